"""Stage 5 of an answer: safety. The emergency line for a situation happening now, and the warnings to show.

The emergency line must be shown for every message about an emergency in progress, and never for a question
about one: a textbook question ("how is an overdose managed?"), a case in the literature ("was the 14-year-old
who overdosed given dialysis?") or a patient's past ("she overdosed two years ago and recovered"). So a message
gets it when it names an emergency event, a real person it is happening to (the writer, someone in their care,
a patient they point at: "I", "my son", "the patient in bed 4", "he is ...", "54F bed 12"), and nothing that
places it in a publication, a lesson or a simulation, or in the remote past (unless it says it is happening right
now too). A sign it denies or asks about ("no chest pain", "the warning signs of stroke") is not reported, as
NegEx reads clinical notes; nor is one it only supposes ("hypothetically", "what if"). The lexicons below are of
emergencies, their signs and red-flag readings, and of tense and person, not of any corpus. People name emergencies
in more words than lexicons hold: batches written after them, never used to write them, found 8 of 16 emergencies,
then 8 of 20 and 4 of 20 (eval/EXPERIMENTS.md, "Thirty-ninth session" and "Fortieth session"). So an event may
also be one the learned reader finds (`qa.answer.emergency`, passed in as `likely`), behind the same checks of
person and tense. Calm messages, too, place a situation in words no lexicon holds ("for my pharmacology revision
notes: a patient took 40 tablets ..."): a second learned reader, the situation reader (`present`), may take an event
found away, with a threshold below every emergency it was trained on. The event reader reads the words of signs
whether or not they are denied: it is not asked of a message that says two red flags or more were checked and found
absent ("no fever", "obs all normal", "NEWS 0").
`eval/sets/emergency.jsonl` (2,050 messages: the 119 the lexicons were first written from, then the batches written
to check them, 160 written by helpers as training data, and the forty-second and forty-third sessions' blind
batches, each read only after it had been counted) is what the lexicons grew from and the readers were trained on
(its tune split, before the last four batches joined: retrained on them, the readers flagged fewer emergencies or
kept fewer calm messages calm, eval/EXPERIMENTS.md, "Forty-third session");
`eval/sets/emergency_fresh.jsonl` (620), written by eight helpers who saw none of them, never read since, is their check
(`medcite eval emergency` reports the two sets, each by split).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from qa.cases import PERSON_NOUNS
from qa.drugs import is_drug_name

EMERGENCY_LINE = (
    "If this is happening now, treat it as an emergency: call your local emergency number or poison control, "
    "or go to the nearest emergency department."
)
_I = re.IGNORECASE
# The nouns for one person (`qa.cases.PERSON_NOUNS`: "patient", "girl", "toddler", ...).
_PERSON = "|".join(sorted(PERSON_NOUNS))
_CANT = r"(?:can['\u2019]?t|cannot|won['\u2019]?t|isn['\u2019]?t|doesn['\u2019]?t|not|no longer)"
_THEIR = r"(?:his|her|my|their|the|your)"
# Said not to have happened: "she didn't hit her head", "he hasn't vomited".
_DIDNT = r"(?:didn['\u2019]?t|did not|hasn['\u2019]?t|has not)"
# What is held against others.
_WEAPON = r"(?:knife|gun|weapon|machete|axe)"
# Snakes, and the venomous kinds people name (first aid treats every snake bite as venomous).
_SNAKE = r"(?:\w*snake|adder|viper|cobra|copperhead|cottonmouth|moccasin|mamba|taipan|krait|bushmaster)"
# Emergency events, by kind: the warning signs first-aid guidance names as a reason to call an emergency number
# (breathing, consciousness, circulation and bleeding, stroke, anaphylaxis, seizures, poisoning and overdose, head
# and penetrating injury, suicidal intent), and readings a clinician acts on at once (a saturation below 85%, a
# ventricular rhythm, the ECG of a potassium that stops the heart; and `_CRITICAL`'s numbers). Apnoea during sleep
# is a condition, not an event: only "apneic" is; wheezing alone is asthma's, with a tight throat anaphylaxis's.
# Words with an everyday sense are read only where they cannot have it ("my inhaler is blue", "is coding in python",
# "a choking hazard", "I'm hypotensive", "a fitting dose").
_SIGNS = {
    "breathing": (
        # Not a blocked nose ("can't breathe through my nose with this cold").
        rf"{_CANT} breath(?:e|ing)(?! (?:through|thru|out of) (?:\w+ )?nose)|stopped breathing|"
        r"(?:struggling|fighting) (?:to breathe|for (?:breath|air))",
        r"(?:barely|hardly) breathing|(?:trouble|difficulty) breathing|gasping|choking(?! hazard)|apno?eic",
        r"can['\u2019]?t speak|(?:turning|turned|going|gone|went) (?:blue|grey|gray)",
        # Breathlessness come on suddenly (a clot in the lung).
        r"sudden(?:ly)? (?:\w+ ){0,3}?short of breath",
        # Stridor: the upper airway narrowing (croup at rest, a neck swelling after surgery).
        r"stridor\w*|stridulous|(?:neck|throat) (?:is )?swelling (?:fast|rapidly|quickly|up fast)",
        # Smoke breathed in: soot coughed up, singed nasal hair.
        r"coughing (?:up )?(?:soot|black)|singed (?:nasal |nose )?hairs?",
        # Life-threatening asthma: a sentence that cannot be finished, an inhaler of no help.
        rf"{_CANT} (?:finish|complete) (?:a |her |his |my |full )?sentences?|"
        r"(?:inhaler|puffer|nebuli[sz]er)\W+(?:\w+\W+)?(?:no help|not helping|doing nothing|does nothing)",
        r"(?:lips|face|skin) (?:are |is |looks? |look )?(?:turning |going )?"
        r"(?:blue|grey|gray|purple|(?:(?:a bit|slightly|quite) )?dusky)|"
        r"(?:he|she|they) (?:is|are|looks?) blue",
        rf"(?:the|this) (?:{_PERSON})(?: (?:in|on|at) \w+(?: \d+)?)? (?:is|looks) blue",
        r"(?:lips|face)\W+(?:\w+\W+){0,4}?(?<!bit )(?<!little )(?<!slightly )(?:bluish|blue|purple)\b",
        # No air moving: a choking child who cannot cry or cough.
        r"(?:not|isn['\u2019]?t|can['\u2019]?t|cannot) mak(?:e|ing) (?:any |a )?(?:sound|noise)|"
        r"no (?:cry|sound) and no cough",
        rf"(?:inhaler|puffer|nebuli[sz]er)\W+(?:\w+\W+)?{_CANT}\W+(?:help|work)\w*",
        # Breathing deep and fast, as in ketoacidosis (Kussmaul).
        r"breathing (?:\w+ )?(?:fast|rapid(?:ly)?|quick(?:ly)?|hard|heavy) and (?:\w+ )?deep(?:ly)?|"
        r"breathing (?:\w+ )?deep(?:ly)? and (?:\w+ )?(?:fast|rapid(?:ly)?|quick(?:ly)?)",
    ),
    "consciousness": (
        r"unresponsive|unconscious|comatose|unarousable|obtunded|passed out|fainted|collaps\w*",
        # (Not the writer's sleep: "it's not waking me at night".)
        rf"{_CANT} (?:wake|stay awake)|{_CANT} waking(?!\s+(?:me|us)\b)|{_CANT} respond(?:ing)?(?! to)",
        # The AVPU scale's lower grades: no response to voice, or to pain.
        rf"{_CANT} respond(?:ing)? to (?:voice|pain|(?:his|her|their) name)",
        r"in and out of consciousness|(?:drifting|going|fading|slipping) in and out\b(?! of (?!consciousness))",
        r"(?:is|['\u2019]s|went|gone|goes|feels?|seems?) (?:now )?(?:(?:very|really|so|all) )?(?:limp|floppy)",
        r"(?:barely|hardly) (?:wake|rouse|respond|responsive|conscious)\w*|(?:barely|hardly|not) rousable|"
        # Said of someone else ("she's hard to keep awake"; not "I find it hard to wake up on mirtazapine").
        r"(?:he|she|they)(?:['\u2019]s|['\u2019]re| is| are) (?:\w+ ){0,3}?(?:hard|difficult|impossible) to "
        r"(?:keep awake|wake|rouse)|"
        r"(?:not|isn['\u2019]?t|is no longer) making (?:any )?sense",
        # Down and still: "he's on the floor not moving".
        r"on the (?:\w+ )?(?:floor|ground)\W+(?:and\W+)?(?:not moving|motionless|not responding)",
    ),
    "circulation": (
        r"(?:respiratory|cardiac|cardiopulmonary|vf|vt|pea|asystolic) arrest|"
        r"(?:is|was|just) cod(?:ing|ed)(?! (?:a|an|the|in|for|some)\b)",
        r"no pulse|pulseless",
        # A resuscitation going on.
        r"cpr (?:is )?(?:in progress|ongoing|underway|started)|"
        r"(?:doing|started|starting|giving|performing|continuing) cpr|"
        r"lost (?:his |her |their |a |the )?(?:pulse|output)",
        # A rhythm someone is in ("is in VT", "went into v-fib"), not one asked about ("how is VT treated?").
        r"(?:is|are|went|gone|going|now) (?:in|into) "
        r"(?:ventricular (?:tachycardia|fibrillation)|vt|vf|v-?fib|v-?tach|asystole)",
        # The ECG of a potassium that stops the heart.
        r"(?:wide(?:ned)?|broad(?:ened)?) qrs|sine waves?",
        # A pressure, a pulse or a saturation that cannot be measured.
        r"(?:bp|blood pressure|pulse|sats|spo2|saturations?)\W+(?:(?:is|was|now|still)\W+)?"
        r"(?:unrecordable|not recordable|undetectable|unreadable|unmeasurable|impalpable|not palpable)",
        r"chest (?:is|feels) (?:so |really |very )?(?:tight|heavy)|chest (?:really )?hurts|"
        rf"(?:band|weight|pressure|tightness) (?:across|on|around) {_THEIR} chest",
        rf"chest (?:pain|pressure|tightness)|heart attack|(?:(?:crushing|severe) )?(?:pain|pressure) (?:in|through) "
        rf"(?:the (?:middle|centre|center) of )?(?:{_THEIR} )?chest|"
        r"(?:tearing|ripping) pain (?:in|through|across|into) (?:\w+ ){0,2}?(?:chest|back|shoulder blades)|"
        rf"crushing\W+(?:\w+\W+){{0,3}}?{_THEIR} chest",
        # Mottled skin (NICE sepsis).
        r"(?:legs|skin|knees|arms)\W+(?:\w+\W+){0,2}?mottled|mottled (?:skin|legs|knees)",
        # Shock: grey or pale with cold sweat.
        r"(?:grey|gray|pale|ashen)\W+(?:and\W+)?(?:clammy|sweaty|sweating)|(?:clammy|sweaty) and (?:grey|gray|pale)",
        r"(?:is|are|now|became|becoming|remains|still) hypotensive|hypotensive\W+\d{2,3}/\d{2,3}",
        r"bleeding (?:heavily|heavy|a lot|alot|badly|won['\u2019]?t stop)|"
        r"(?:is|are|keeps?|kept|started|now|still) bleeding",
        rf"bleeding from {_THEIR}|{_CANT} stop (?:the )?bleeding",
        r"(?:vomit(?:ing|ed)?|throwing up|threw up|coughing(?: up)?|coughed up|passing) "
        r"(?:what (?:looks|looked) like )?(?:(?:a bit of|some|a lot of|lots of|loads of|a cup of|a mouthful of) )?"
        r"(?:(?:bright |dark )?red |fresh )?blood",
        # A dressing soaked through ("the towel is soaked through", "blood-soaked bandage").
        r"(?:soaked|drenched|saturated) (?:through|thru|with blood|in blood)|blood[- ]soaked",
        r"black,? tarry stools?|mela?ena|coffee[- ]grounds?",
        r"(?:spurting|gushing|pouring|pumping) (?:out )?blood|blood (?:is )?(?:spurting|gushing|pouring|pumping)",
    ),
    "stroke": (
        r"(?<!heat )(?<!heat-)(?<!sun)stroke|drooping|slurr\w*|face (?:looks |is )?(?:crooked|lopsided|numb)",
        rf"{_CANT} (?:lift|raise|move|feel)(?: or (?:lift|raise|move|feel))? {_THEIR} (?:arms?|legs?)",
        # FAST in other words: a face fallen on one side, speech gone garbled.
        r"face\W+(?:\w+\W+){0,2}?(?:dropped|drooped|fallen) (?:on|down) one side|"
        r"speech\W+(?:\w+\W+){0,2}?(?:garbled|jumbled|gibberish)",
        r"hemipleg\w*|hemipares\w*|aphasi[ac]",
        # A sudden headache, the worst ever: a bleed around the brain.
        r"worst headache (?:of (?:my|his|her|their) life|ever)|thunderclap headache|"
        r"headache\b[^?!]{0,80}?\b(?:the )?worst (?:ever|of (?:my|his|her|their) life|"
        r"(?:i|he|she|they)(?:['\u2019]ve| have|['\u2019]s| has) ever had)",
    ),
    "anaphylaxis": (
        r"anaphyla\w*|(?:lips?|tongue|throat|face) (?:is |are |r |has |have )?(?:swollen|swelling|swelled)",
        r"throat (?:feels |is )?(?:like it['\u2019]?s |like it is )?(?:tight|closing|swelling)",
        # Skin and breathing together: hives with a wheeze or a hoarse voice.
        r"hives\b[^?!]{0,80}?\b(?:wheez\w*|hoarse)|(?:wheez\w*|hoarse)\b[^?!]{0,80}?\bhives",
    ),
    # A rash that does not fade under a glass: meningococcal sepsis.
    "rash": (
        r"(?:rash|spots|blotches)\W+(?:\w+\W+){0,10}?(?:don['\u2019]?t|doesn['\u2019]?t|do not|does not|won['\u2019]?t|"
        r"didn['\u2019]?t|not) (?:fade|blanch|go away|disappear)|non-?blanching (?:rash|spots)|purpuric",
    ),
    # A weapon held against others.
    "violence": (
        r"(?:waving|brandishing|threatening (?:\w+ ){1,3}?with|standing (?:\w+ ){0,5}?with) an? (?:\w+ )?"
        rf"(?:{_WEAPON}|blade)|(?:is|['\u2019]s|are) (?:\w+ ){{0,6}}?with an? (?:kitchen )?{_WEAPON}"
        r"(?! (?:and )?(?:cutting|chopping|slicing|peeling|opening|carving|cooking|making|preparing)\b)",
        # Voices commanding harm.
        r"voices (?:are |keep )?(?:telling|ordering|commanding|want|wants|saying) (?:him|her|them|me) to",
        # A knife taken up by someone else: "she's taken a knife from the drawer".
        r"(?:he|she|they)(?:['\u2019]s|['\u2019]ve| has| have)? (?:just )?(?:taken|grabbed|picked up|got) "
        rf"an? (?:kitchen )?{_WEAPON}",
    ),
    # A baby not felt to move (reduced fetal movements: the maternity unit at once).
    "pregnancy": (
        # A cord come before the baby.
        r"(?:umbilical )?cord (?:is )?(?:visible|prolapsed|coming out|hanging out)|(?:cord|umbilical) prolapse|"
        r"(?:haven['\u2019]?t|hasn['\u2019]?t|have not|has not|not) (?:felt|been feeling) "
        r"(?:the |my |her )?baby mov\w*|"
        r"baby (?:has )?(?:stopped moving|isn['\u2019]?t moving|hasn['\u2019]?t moved|is not moving)",
    ),
    # Shivering that has stopped in the cold: deep hypothermia.
    "cold": (r"stopped shivering|shivering (?:has )?stopped",),
    # Heat stroke: sweating stopped with a hot body or confusion.
    "heat": (
        r"(?:has|having|got|with|is in) (?:a )?heat-? ?stroke",
        r"stopped sweating\b[^?!]{0,80}?\b(?:hot|confus\w*|collaps\w*)|"
        r"(?:hot|confus\w*|collaps\w*)\b[^?!]{0,80}?\bstopped sweating",
    ),
    "seizure": (
        r"seizure|seizing|convuls\w*|(?:is|are|was|started|keeps?|been|now|still) fitting|foaming at the mouth|"
        r"having an? (?:\w+ )?fit(?! of)|having one of (?:his|her|their|my) (?:\w+ )?(?:seizures|fits)",
    ),
    "poisoning": (
        # "poisoned", "poisoning"; "poisonous" is a property asked about ("are yew berries poisonous?").
        r"overdos\w*|overdid|poison(?!ous)\w*(?! (?:advice|control|centre|center|line|helpline|information|unit)\b)|"
        r"(?:\d+|two|three|four|five|ten) times the (?:dose|amount)",
        # A skin patch chewed or swallowed releases its whole dose at once.
        r"(?:chew\w*|suck\w*|swallow\w*)(?: on)?(?: [\w'\u2019]+){0,4} patch(?:es)?|"
        r"patch(?:es)? in (?:her|his|their|my|the baby['\u2019]s) mouth",
        # Pinpoint pupils, the opioid toxidrome's sign.
        r"pinpoint pupils|pupils (?:are |look )?(?:tiny|pinpoint)",
        # A poisonous plant eaten (foxglove, yew, oleander: the heart; hemlock, nightshade, monkshood: the nerves).
        r"(?:ate|eaten|eating|chewed|swallowed)\b[^.?!]{0,80}?\b(?:foxgloves?|oleanders?|yews?|nightshade|belladonna|"
        r"hemlock|laburnum|castor beans?|lily of the valley|daffodil bulbs?|jimson ?weed|datura|monkshood|aconite)",
        # Parts of a plant eaten from a garden, a bush or the woods (poison control: any plant a child eats).
        r"(?:ate|eaten|eating|chewed|swallowed)\W+(?:\w+\W+){0,4}?(?:berries|leaves|flowers|seeds|bulbs?)\b[^.?!]{0,40}?"
        r"\b(?:plant|bush|tree|shrub|hedge|garden|woods?)\b",
        # Wild mushrooms eaten: some poison the liver hours later (amatoxins).
        r"(?:ate|eaten|eating|cooked|had)\W+(?:\w+\W+){0,3}?(?:wild|foraged|picked|forest|woodland|unknown) "
        r"mushrooms?|(?:ate|eat|eaten|eating|cooked|had)\W+(?:\w+\W+){0,3}?mushrooms? (?:from|in|out of) (?:the )?"
        r"(?:forest|woods?|fields?|garden|park)\b|"
        r"(?:picked|foraged|found|gathered)\W+(?:\w+\W+){0,2}?mushrooms?\b[^.?!]{0,60}?"
        r"\b(?:ate|eaten|cooked)",
    ),
    # A drowning: someone nearly drowned, or pulled out of the water.
    "drowning": (
        r"(?:nearly|almost) drown\w*|near[- ]?drown\w*|"
        r"(?:pulled|dragged|fished) (?:him|her|them|my \w+) (?:out of|from) the (?:water|pool|lake|river|sea)|"
        r"under (?:the )?water for (?:about |maybe |almost |nearly )?(?:a|one|two|\d+|a few|several) "
        r"(?:seconds?|minutes?|mins?)",
    ),
    "injury": (
        rf"hit {_THEIR} head|stabbed|(?:been|got|was|is) shot|gunshot",
        # An open fracture.
        r"bone\W+(?:\w+\W+){0,2}?(?:poking|sticking|coming) (?:out|through)",
        # A blow to the head, then confusion, drowsiness or vomiting (NICE head injury: to an emergency department).
        r"(?:fell|fallen|hit|banged|bumped|knocked|smacked|blow to)\b[^?!]{0,60}?\bhead\b[^?!]{0,80}?"
        r"\b(?<!no )(?<!not )(?<!without )(?<!n['\u2019]t )"
        r"(?:confus\w*|drowsy|sleepy|vomit\w*|threw up|throwing up|keeps asking the same|not making sense)",
        # A pupil blown, fixed and dilated, or unequal: pressure on the brain after a head injury.
        r"pupils?\W+(?:\w+\W+){0,2}?(?:blown|fixed and dilated|dilated and fixed|unequal)|"
        r"(?:blown|unequal) (?:\w+ )?pupils?|pupil\W+(?:\w+\W+){0,2}?(?:bigger|larger|smaller) than the other",
    ),
    # A venomous snake's bite; a sting or a bite followed by signs of the whole body (anaphylaxis).
    "venom": (
        rf"bit(?:ten)?\b[^.?!]{{0,30}}?\bby an? (?:\w+ )?{_SNAKE}|{_SNAKE} ?bites?|(?:a|the) {_SNAKE} (?:just )?bit",
        r"(?:stung|sting|bitten)\b[^.?!]{0,160}?\b(?:dizzy|faint\w*|wheez\w*|light-?headed|hives all over)",
    ),
    # A deep burn: white, charred or leathery skin, or skin coming away, after a burn or a scald.
    "burn": (
        r"(?:burn\w*|scald\w*|boiling|fire|flames?)\b[^?!]{0,160}?\b(?:leathery|charred)\b",
        r"(?:burn\w*|scald\w*|boiling|fire|flames?)\b[^?!]{0,160}?\bskin\W+(?:\w+\W+){0,4}?"
        r"(?:white|charred|black|leathery|peeling off|coming off|falling off)",
    ),
    # A twisted testicle; a belly hard as a board (peritonitis).
    "abdomen": (
        r"(?:sudden|severe|really bad|very bad|bad|terrible) pain in (?:one|my|his|a|the (?:left|right)) "
        r"(?:testicle|testis|ball)",
        r"(?:belly|abdomen|stomach|tummy)\W+(?:\w+\W+){0,2}?(?:hard|rigid) (?:like|as) (?:a )?(?:board|wood|rock)|"
        r"board-?like (?:belly|abdomen|rigidity)",
        # An erection of four hours or more (priapism).
        r"erection\W+(?:\w+\W+){0,3}?(?:lasted|lasting|for) (?:more than |over )?(?:[4-9]|\d\d|four|five|six|seven|"
        r"eight) hours|priapism",
    ),
    # Skin coming away in sheets with a drug or a fever (toxic epidermal necrolysis), as after a deep burn.
    "skin": (
        r"(?:skin|it)\W+(?:\w+\W+){0,8}?(?:peeling|coming|sloughing|falling) off in (?:sheets|layers|strips)|"
        r"sloughing (?:of )?(?:the |his |her |my |their )?skin",
    ),
    # A glucose past the meter's range: it reads "HI".
    "glucose": (
        r"(?:meter|glucometer|monitor|bg|bm|sugar|glucose)\W+(?:\w+\W+){0,3}?(?:says|reads|shows|displays)\W+hi",
    ),
    "suicide": (
        r"suicid\w*|kill(?:ing)? (?:myself|himself|herself|themselves)|end (?:my|his|her|their) life|end it all",
        r"want(?:s)? to die",
        # The warning signs of a suicide about to happen (988 Suicide & Crisis Lifeline): a decision, a farewell,
        # the means made ready.
        r"(?:going to|gonna|decided to|plan(?:ning)? to|about to|ready to) (?:end it|die)\b|"
        r"tonight(?:['\u2019]s| is) the night|"
        r"(?:written|wrote|left) (?:the |my )?(?:goodbye )?(?:letters|notes) (?:to|for) "
        r"(?:everyone|everybody|all of them|my (?:family|kids|children|parents))|"
        r"goodbye (?:notes?|messages?|texts?)|"
        r"(?:won['\u2019]?t|will not|wouldn['\u2019]?t|not going to) be around "
        r"(?:much longer|any ?more|for long|to see)",
        r"(?:rope|noose)\W+(?:\w+\W+){0,3}?(?:ready|set up|tied|hanging)",
        r"(?:his|her|my|their) mind is made up|plans? to use (?:it|them) (?:tonight|today|now)\b|"
        r"(?:don['\u2019]?t|do not|doesn['\u2019]?t|does not) want to (?:live|be alive)",
        # A plan: "I'm going to take all of them tonight".
        r"(?:going to|gonna|plan(?:ning)? to|about to) (?:take|swallow) (?:all|them all|every|the whole)|"
        r"(?:going to|gonna|about to) (?:take|swallow) them (?:all )?(?:tonight|today|now)\b",
        # Or said with its time: "I'm taking them all tonight"; the notes made ready.
        r"(?:taking|swallowing) (?:them all|all of them|the lot) (?:tonight|today|now)\b|"
        r"(?:suicide |goodbye )?notes (?:are|is) (?:all )?(?:written|done|ready)",
        # Harm said with its time or its intent: "I'm going to hurt myself", "I'll finish it tonight".
        r"(?:going to|gonna|want to|wanna|about to|will|i['\u2019]ll) (?:hurt|harm|cut) "
        r"(?:myself|himself|herself|themselves)|(?:finish|end) it (?:all )?(?:tonight|today|now)",
        r"self[- ]harm\w*",
        # A plan: a method with its place ("jumping off the bridge", "driving into the river").
        r"(?:jump(?:ing)?|driv(?:e|ing)|walk(?:ing)?|throw(?:ing)? (?:myself|himself|herself))\s+(?:\w+\s+){0,2}?"
        r"(?:off|into|in front of|under|out of|from)\s+(?:the |a |an )?(?:bridge|river|train|traffic|cliff|roof|"
        r"building|lorry|truck|sea|lake|car park|multi-?stor(?:e)?y|parking (?:garage|lot|structure)|balcony|tower|"
        r"overpass|flyover|motorway|highway|window)\b",
        r"(?:going to|gonna|about to|threatening to) jump\b(?!\s+(?:in|on|into|over|up|around|at|rope|start)\b)",
        # Telling someone before doing it.
        r"(?:tell|told|let) (?:someone|somebody|anyone|you) (?:know )?before i (?:do it|take them|end it)",
        # A burden to others, and a mind made up (988 Lifeline).
        r"better off without me|better off if i (?:was|were|wasn['\u2019]t|weren['\u2019]t) (?:here|around|gone|dead)|"
        r"(?:don['\u2019]?t|do not|nobody can|no one can|can['\u2019]?t) (?:try (?:to |and )?)?talk me out of it",
    ),
}
_EVENT = re.compile(r"\b(?:" + "|".join(p for kind in _SIGNS.values() for p in kind) + r")\b", _I)
# A sign said not to have happened: "she didn't hit her head", "he has not collapsed" (a red flag checked).
_DENIED_SIGN = re.compile(
    rf"\b(?:{_DIDNT}|haven['\u2019]?t|have not|never)\s+(?:\w+\s+)?"
    rf"{_EVENT.pattern}",
    _I,
)
_TAKING = r"\b(?:took|taken|swallow\w*|ingest\w*|ate|eaten|drank|drunk|got into|injected)\b"
# Swallowing too much of something: a verb of taking, then pills or a poison within a few words, or an amount
# nobody is prescribed ("took a handful of ...", "took all her baclofen").
_PILLS = r"(?:pills?|tablets?|tabs|capsules?)"
# A young child: "toddler", "granddaughter (3)", "2yo", "18 month old".
_YOUNG = (
    r"(?:toddler|baby|infant|little one|grand(?:son|daughter|child)|"
    r"(?:[1-9]|1[0-2])\s*(?:yo|y/o|[\s-]*years?[\s-]*old|yr old)|\d{1,2}\s*(?:months?|mo)(?: old)?)"
)
_YOUNG_CHILD = re.compile(rf"\b{_YOUNG}\b", _I)
_INGESTION = re.compile(
    # Pills eaten, drunk or got into (a child's way); taken or swallowed, only ten or more, or all of them ("I took
    # my blood pressure tablets this morning" is what they are for).
    rf"\b(?:ate|eaten|drank|drunk|got into|injected|chew\w*)\b(?:\W+\w+){{0,6}}?\W+{_PILLS}\b|"
    r"\b(?:took|taken|swallow\w*|ingest\w*)\b(?:\W+\w+){0,8}?\W+(?:\d{2,}(?!\s*(?:mg|mcg|g|ml|units?|%))|ten|"
    r"eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|hundred|dozens?|loads|lots|handfuls?|many|all|every|"
    r"most|half|rest)\b(?:\W+\w+){0,8}?\W+"
    rf"{_PILLS}\b"
    # A young child who took or swallowed pills, however few (poison control).
    rf"|\b{_YOUNG}\b[^.?!]{{0,60}}?\b(?:took|taken|swallow\w*)\b(?:\W+\w+){{0,6}}?\W+{_PILLS}\b"
    # Pills found missing, blister packs chewed.
    rf"|{_PILLS}\b[^.?!]{{0,80}}?\b(?<!none )(?<!nothing )(?<!not )(?:are |is )?missing\b"
    r"|blister packs? (?:\w+ ){0,2}?chewed"
    # A container or a poison, whatever the verb.
    rf"|{_TAKING}(?:\W+\w+){{0,6}}?\W+"
    r"(?:pods?|bottle|box|packet|pack|strip|bleach|antifreeze|detergent|pesticide|poison|batter(?:y|ies)|"
    r"magnets?|(?:washer|lighter|cleaning) fluid|cleaner|chemicals?|solvent|gasoline|petrol|kerosene|lye|ammonia|"
    r"lamp oil|paraffin|turpentine|(?:paint )?thinner|weed ?killer|herbicide|paraquat|insecticide|slug pellets|"
    r"rodenticide|glyphosate)\b"
    rf"|{_TAKING}\s+(?:a handful|all|the whole|a whole|an entire|(?:my|his|her|their|your) (?:whole|entire)|"
    r"(?:way\s+)?too (?:many|much)|a bunch)\b"
    # An amount nobody knows is treated as an overdose (poison control).
    rf"|{_TAKING}\s+(?:an?\s+)?(?:unknown|unclear|unsure) (?:number|amount|quantity)\b",
    _I,
)
# Eating or getting into a medicine is no way of taking one: "my toddler ate some of my warfarin", "got into
# grandma's baclofen" (the drug vocabulary, `qa.drugs`, says what is one). Eaten, it must be someone's or counted
# ("ate 5 of her pills", "ate half my iron"): the vocabulary holds everyday things too ("water", "honey"). Taken,
# it must be all of it or ten doses or more ("took about 30 of my tylenol").
_GOT_INTO = re.compile(
    r"\b(?P<verb>got into|ate|eaten|took|taken|swallowed)\s+(?:(?:about|around|like|maybe|over|at least)\s+)?"
    r"(?:(?P<count>some|all|most|half|one|two|three|four|five|several|\d+)\s+"
    # Whose: "my", "grandma's", "my husband's"; then the strength, if given ("30 of my 500mg paracetamol").
    r"(?:of\s+)?)?(?:(?P<owner>my|his|her|their|our|your|[a-z]+['\u2019]s)\s+(?:[a-z]+['\u2019]s\s+)?|(?:a|an|the)\s+)?"
    r"(?:\d+(?:\.\d+)?\s?(?:mg|mcg|g)\s+)?(?P<thing>[a-z][\w-]*)",
    _I,
)
_MEDICINES = frozenset({"medicine", "medicines", "medication", "medications", "meds", "drugs", "pill", "pills"})
# The writer, or someone in the writer's care ("pt" is a clinician's own patient): a situation of the writer's own.
_FIRST_PERSON = re.compile(r"\b(?:i|i['\u2019]m|i['\u2019]ve|me|my|we|we['\u2019]re|our|us|pt)\b", _I)
# A report whose "I" is left out, as a message typed in distress is: "cant breathe, chest is tight" (a clause that
# opens with what the writer cannot do).
_ELIDED_I = re.compile(
    r"(?:^|[.!?;:]\s*|,\s+)(?:(?:help|please|pls|omg)\W+)?(?:can['\u2019]?t|cannot)\s+"
    r"(?:breathe|speak|talk|finish|move|stop|stay|wake|feel|see|swallow)\b"
    # Or with how the writer feels: "..., feel faint", "feeling like I'm going to pass out".
    r"|(?:^|[.!?;:]\s*|,\s+)feel(?:ing)?\s+(?:so\s+|really\s+|very\s+)?(?:dizzy|faint|light-?headed|like i)\b"
    # Or with what the writer found: "found a man slumped in the car park, not breathing".
    r"|(?:^|[.!?;:]\s*|,\s+)(?:just\s+)?found\s+(?:a|an|my|the|him|her|them|someone|somebody|this)\b",
    _I,
)
# "how do I recognise a stroke?": the "I" of a question of how or when to act, anyone's; not a situation of the writer.
_ANYONES_I = re.compile(r"\b(?:how|when|where|why|what) (?:do|can|could|should|would|will|must) i\b", _I)
# Someone pointed at, in a present-tense clause: "he is", "she's", "the patient in bed 4 is", "pt on HD is".
# ("did the girl ... have?" asks about a past: do-support, then the verb's bare form.)
_PRESENT_THIRD = re.compile(
    rf"\b(?:he|she|they|he['\u2019]s|she['\u2019]s|they['\u2019]re|(?<!\bdid )(?<!\bdoes )(?:the|this) (?:{_PERSON})|"
    r"pt|patient)\b[^.?!;]{0,40}?\b(?:is|are|has|have|keeps?|wants?|says?|can['\u2019]?t|cannot|won['\u2019]?t|"
    r"isn['\u2019]?t|feels?|seems?|looks?|just)\b|\b(?:he|she|they)['\u2019](?:s|re)\b|\b(?:hes|shes|theyre)\b"
    # Or one who has just taken something, said as the subject: "the kid next door drank ..." (not "the teen who
    # took ...", a description).
    rf"|\b(?:the|this) (?:{_PERSON})\b(?!\s+(?:who|that|which)\b)[^.?!;]{{0,30}}?"
    r"\b(?:took|ate|drank|swallowed|got into)\b",
    _I,
)
# A telegraphic report names its person with no article or possessive, at the start of a clause: "baby is very
# floppy", "son ate ...", "urgent: 2 yr old chewed on a patch" (a vignette writes "a 2-year-old ...").
_KIN = (
    r"son|daughter|husband|wife|partner|mom|mum|mother|dad|father|brother|sister|grandma|grandpa|grandmother|"
    r"grandfather|friend|roommate|neighbou?r|boyfriend|girlfriend|bf|gf"
)
# People met at work or in a home, who are nobody's kin: "resident, 84, ...", "farm worker collapsed".
_OTHERS = (
    r"(?:resident|worker|colleague|customer|client|passenger|visitor|pupil|student|player|runner|cyclist|driver|"
    r"carer|guest|diner|passer-?by)"
)
# A clinician's shorthand points at a patient too: "54F POD1 ...", "bed 12", "chair 6".
_BARE_PERSON = re.compile(
    rf"(?:^|[.:;!?]\s*)(?:{_PERSON}|{_KIN}|(?:\w+ )?{_OTHERS}|stranger|guy|"
    rf"\d{{1,3}}[\s-]*(?:years?|yrs?|y|months?|mo|weeks?|wks?|days?)[\s-]*o(?:ld)?|"
    r"\d{1,3}\s*y/?o|\d{1,3}\s?[mf])\b|\b(?:bed|bay|room|chair|cubicle|resus)\s*\d+|"
    # The resuscitation or trauma bay holds a patient now: "resus bay: RTC, GCS 6".
    r"\b(?:trauma|resus|resuscitation) (?:bay|room)\b|"
    # A birth under way: "home birth: cord visible ...".
    r"\bhome birth\b|\b(?:labou?r|delivery) (?:ward|suite|room)\b|"
    # A day after an operation: "POD 3", "day 2 post lap chole".
    r"\b(?:pod|post[- ]?op(?:erative)? day) ?\d+\b|\bday \d+ post\b",
    _I,
)
# It is happening now, or has just happened ("just" before a verb in the past: "just swallowed", not "or just
# fluids").
# `_RIGHT_NOW`'s words say so outright; the others ("still", "since", "today") say so of a clause about someone.
_RIGHT_NOW_WORDS = (
    r"right now|just now|at the moment|currently|as we speak|tonight|this (?:morning|afternoon|evening)|"
    # "Today" opening a clause about someone: "on Monday he had his injection. Today he's rigid".
    r"(?:^|(?<=[.!?;:] ))today(?=,? (?:he|she|they|i|we|my|her|his)\b)|"
    # A state that has gone on since: "since yesterday she's been vomiting".
    r"since (?:yesterday|last night)(?!['\u2019]s)|"
    r"(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|forty|\d+|few|couple of) "
    r"(?:minutes?|mins?|hours?|hrs?) ago|"
    # Just done: "has just been pulled out of the pool", "just swallowed".
    r"(?:has|have) just been (?:pulled|found|hit|stung|bitten|knocked|stabbed|shot|rescued|dragged)|"
    r"just (?:swallowed|taken|took|ate|eaten|drank|drunk|collapsed|fallen|fell)"
)
_NOW = re.compile(
    rf"\b(?:{_RIGHT_NOW_WORDS}|now|today|since|still|ongoing|"
    r"just(?=\s+(?:\w+(?:ed|en)|took|ate|got|had|fell|hit|drank|became|found|gave|began|went|threw|bit|stung|cut|"
    r"broke)\b))\b",
    _I,
)
# Placed in a publication, a teaching case or an exam, or in the remote past.
_NOT_NOW = re.compile(
    r"\b(?:case reports?|case series|the (?:\w+ )?case|case patient|published|reported|literature|articles?|"
    r"podcasts?|journals?|(?<!to )study|studies|trial|teaching note|textbook|exam(?:ination)? question|vignette|"
    r"describes?|"
    # A story read or watched: "I've just read a story about a toddler who ...".
    r"(?:read|saw|seen|heard|watched) (?:a|an|this|the) (?:\w+ ){0,2}?(?:story|article|post|piece|thread|documentary)|"
    r"(?:read|heard) about (?:a|an|the|this|someone|somebody)|"
    r"described|"
    # A simulation or a lesson: "for our sim session tomorrow", "running a sim", "studying for my exam".
    r"simulat\w*|sim (?:session|scenario|lab|teaching|training)s?|"
    r"(?:a|an|our|the|this|tomorrow['\u2019]s|today['\u2019]s) sims?|"
    # A meeting that reviews a case, and a course ("our M&M", "first aid training at work").
    r"m&m|morbidity and mortality|learning points?|"
    r"(?<!did a )(?<!done a )(?<!took a )(?<!had a )(?:first[- ]aid|cpr|bls|als) (?:training|course|class)|"
    r"putting together (?:\w+ ){0,2}?training|(?:staff|team) training|"
    # A question from an exam ("Question from paramedic exam: ..."), and hearsay ("I keep hearing ...").
    r"questions? from (?:a |an |the |my )?(?:\w+ )?(?:exam|quiz|mock)|"
    r"keep hearing (?:that |about )?(?:\w+ ){0,3}?(?:are|is) (?:\w+ )?(?:bad|dangerous|harmful|deadly|toxic)|"
    # The writer's own judgement that nothing is urgent.
    r"nothing (?:urgent|acute) (?:for us|to do|needed|required)|no (?:further )?action (?:needed|required)|"
    r"scenarios?|drills?|lectures?|journal club|teaching (?:case|session|points?)|teaching(?=\s*:)|"
    r"mcqs?|sbas?|quiz(?:zes)?|flashcards?|question banks?|q-?banks?|debrief\w*|"
    # A postgraduate or licensing exam by its name, and its practice papers.
    # ("MRCP" alone is also a scan: "post MRCP, now rigoring").
    r"mrcp (?:part|paces|exam|revision|practice)|mrcs|mrcem|mrcgp|mrcog|mrcpch|frcem|frca|plab|usmle|nclex|comlex|"
    r"mccqe|"
    r"practice (?:questions?|papers?|exams?|cases?)|"
    # Fiction being written: "writing a medical drama", "for my novel".
    r"(?:writing|drafting) (?:a|an|my|our) (?:\w+ ){0,2}?(?:novel|screenplay|script|story|drama|play|book|episode)|"
    r"screenplay|screenwriting|scriptwriting|fiction|(?:my|our|the) (?:\w+ )?(?:novel|story|character)|"
    r"(?:revising|studying) for|for (?:my|an|the|our) (?:\w+ )?(?:exams?|finals|boards|quiz)|"
    # An exam's station with an actor as the patient, and a document being written ("drafting our protocol for ...").
    r"osces?|(?:actor|standardi[sz]ed|simulated) (?:pt|patient)s?|"
    r"(?:writing|drafting|updating|reviewing|preparing) (?:\w+ ){0,3}?(?:protocols?|guidelines?|guidance|"
    r"polic(?:y|ies)|leaflets?|handouts?|posters?|pathways?))\b",
    _I,
)
# Not after a denial: "she's not fine now", "hasn't been well since" say no recovery.
_UNDENIED = r"(?<!n['\u2019]t )(?<!not )(?<!never )"
_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_DAY = (
    rf"(?:{_WEEKDAY}|christmas(?: day| eve)?|boxing day|new year['\u2019]?s(?: day| eve)?|easter(?: sunday| monday)?|"
    r"thanksgiving|halloween)"
)
# The remote past: it places the event there unless the message says it is happening now too ("his levels were off
# last week" beside "he is having a seizure right now").
_PAST = re.compile(
    r"\b(?:(?:\d+|one|two|three|four|five|several|many|few) (?:years?|yrs?|months?|mos?|weeks?|wks?) ago|"
    r"(?:(?:some|many|several|a few) )?(?:years|months) ago|"  # "years ago"; "a week ago" may be why it is now
    # A wound healing: "it's healing nicely".
    r"healing (?:well|nicely|fine)|"
    r"last (?:year|month|week|weekend|summer|winter|spring|autumn|fall|christmas)|in (?:19|20)\d\d|in the [5-9]0s|"
    # Over: "recovered", "playing normally again", "back to his normal self".
    r"recovered|(?:playing|eating|acting|behaving) (?:normally|as usual) (?:again|now)|back to playing|"
    # Pain that has gone ("the pain has completely gone"; not "gone into my left arm").
    r"(?:pain|symptoms?)(?:['\u2019]s| is| has| have| are)? (?:now )?(?:completely |totally |all |fully )?"
    r"(?:gone|settled|resolved)\b(?! (?:to|into|down|up|through|round|across)\b)|"
    rf"{_UNDENIED}playing happily|like nothing (?:ever )?happened|"
    # Red flags watched for and none come ("three days on none of those has appeared").
    r"none of (?:those|these|them|that) (?:has|have|had) (?:appeared|happened|come|shown|developed)|"
    r"fine all day(?: since)?(?!\W*(?:but|until|till|then|now|when)\b)|"
    # Handed over to an ambulance crew ("the ambulance came and took him").
    r"(?:ambulance|paramedics?) (?:came|come|arrived) and (?:took|take|taken) (?:him|her|them)|"
    # Stable for hours after it ("obs stable for six hours"), or a symptom of months ("chest tightness for 4 months").
    r"(?:stable|settled) for (?:the (?:last |past )?)?(?:a|an|one|two|three|four|five|six|several|\d+) "
    r"(?:hours?|hrs?|h|days?|weeks?)|"
    r"for (?:the (?:last |past )?)?(?:\d+|two|three|four|five|six|several|many) (?:months|years)"
    r"(?![\s\S]*\b(?:now|sudden(?:ly)?|worse|worst)\b)|"
    # A bleed stopped by pressure ("it stopped with 10 min pressure").
    r"stopped (?:with|after) (?:\w+ ){0,3}?pressure|"
    # A faint over at once, and a resuscitation over ("came round within seconds", "now stable on ICU").
    r"came (?:round|around|to) (?:straight away|at once|immediately|quickly|within (?:a few )?seconds|"
    r"in (?:a few )?seconds)|(?:now|is|['\u2019]s) (?:stable|settled) (?:on|in) (?:icu|itu|hdu|ccu|intensive care)|"
    # Said of being well, never of a sign ("he's hurting himself again", "she's not fine now").
    rf"{_UNDENIED}(?:is|['\u2019]s|was|been|seems?|looks?|feels?) "
    r"(?:(?:completely|totally|fully|entirely|quite|just|all) )?"
    r"(?:himself|herself|themselves|myself) (?:again|since)|"
    r"back to (?:normal|(?:his|her|their|my|our) (?:normal|usual|old) (?:\w+ )?self)|history of|"
    rf"{_UNDENIED}been (?:(?:completely|totally|absolutely|perfectly|fully|quite|just) )?"
    r"(?:fine|ok(?:ay)?|well|normal) (?:all day|ever since|since(?: then)?(?=\s*(?:[.!?,;]|$))|"
    r"for (?:the (?:last |past )?)?(?:a|one|two|three|several|\d+) (?:hours?|days?|weeks?|months?))|"
    r"(?:feel(?:s|ing)?|felt|is|am|are|['\u2019]s|['\u2019]m|['\u2019]re|seems?|looks?) "
    r"(?:(?:completely|totally|absolutely|perfectly|fully|quite|just|basically) )?"
    # (not a change that follows: "I felt fine today but now ...", "he was fine today, then he collapsed").
    r"(?:fine|ok(?:ay)?|well|normal|much better) (?:now|today|again)(?!\W*(?:but|until|till|then|now|when)\b)|"
    # A date gone by: a month ("back in March", "in January"; not "due in March"), a weekday, a feast or a day of the
    # month ("on Christmas Day", "last Tuesday", "on the 3rd"; not "on the 3rd day of chemo"). Among 656 labelled and
    # blind emergencies none names one; among their calm messages, 9 are placed in the past only so.
    rf"(?<!due )in {_MONTH}|last {_MONTH}|on {_DAY}|last {_WEEKDAY}|"
    r"on the \d{1,2}(?:st|nd|rd|th)(?! (?:day|dose|week|cycle|round|floor|attempt))|"
    r"as an? (?:kid|child|teen\w*|baby))\b",
    _I,
)
_CLAUSE_START = re.compile(r"(?:^|[.?!;,])[^.?!;,]*$")
_CLAUSE_END = re.compile(r"[.?!;,]")
# A clause that denies: "no symptoms at the moment".
_NEGATED_CLAUSE = re.compile(r"\b(?:no|not|nothing|none|without)\b", _I)
# Someone said to be well: "he is completely normal", "she's fine at the moment" (unless a change follows). Of
# someone who has swallowed something it says nothing: a button battery or a paracetamol overdose harms hours later
# in a child who "seems completely fine right now".
_WELL = re.compile(
    rf"{_UNDENIED}(?:is|['\u2019]s|seems?|looks?) (?:completely|totally|perfectly|absolutely) "
    r"(?:fine|normal|well|ok(?:ay)?)(?!\W*(?:but|until|till|then|now|when)\b)",
    _I,
)
# A question about a plan, asked of a time to come: "can he drink beer tonight?", "should I take it tonight?".
_ASKED_PLAN = re.compile(r"\b(?:can|could|should|may|might|shall)\s+(?:i|he|she|they|we|you|my \w+)\b", _I)
_WELL_NOW = re.compile(r"\b(?:fine|okay|ok|normal|settled)\b", _I)
_TOOK = re.compile(_TAKING, _I)
_RIGHT_NOW = re.compile(rf"\b(?:{_RIGHT_NOW_WORDS})\b", _I)
# A situation supposed, not reported, up to the end of its clause: "what should I do if someone has a seizure?"
# (a message may report one too: "she ate one tylenol ... What happens if a child eats a tylenol?").
_SUPPOSED = re.compile(
    r"\b(?:if|when|in case)\s+(?:someone|somebody|anyone|a person|a patient|a child|people|patients|"
    r"an? (?:customer|client|passenger|guest|visitor|colleague|pupil|student|player|worker|resident)|"
    r"(?:one|any|either|some) of (?:us|them|you))\b[^.?!;,]*"
    r"|\b(?:if|in case)\b[^.?!;,]*\bever\b[^.?!;,]*"  # "if my toddler ever swallows ..."
    # "if I start choking when I'm alone": what may begin.
    # ("if I'm home alone and start choking"; not "if he's still seizing and starts going blue", which reports).
    r"|\b(?:if|in case)\s+(?:i|he|she|they|we|you|my \w+)\b(?:(?!\b(?:still|now|already)\b)[^.?!;,]){0,30}?"
    r"\b(?:start|starts|begin|begins)\b[^.?!;,]*"
    # Signs asked about: "what are the signs that a reaction is turning into anaphylaxis?".
    r"|\b(?:signs?|symptoms?|red flags?) (?:that|to (?:watch|look) (?:out )?for)\b[^.?!;]*"
    # An instruction for what may come: "go to A&E if I can't finish sentences".
    r"|\b(?:go to|call|ring|phone|seek)\s+(?:a&e|the er|the ed|999|911|112|an ambulance|help|emergency \w+)"
    r"\s+if\b[^.?!;]*"
    # A generic child supposed, as some write it without an article: "what to do if child swallow battery?".
    r"|\b(?:if|in case)\s+(?:child|baby|kid|toddler|person|patient)\b[^.?!;,]*"
    # NegEx's hypothetical triggers: "hypothetically, if a toddler swallowed ...", "what if he stops breathing?"
    r"|\b(?:hypothetical(?:ly)?|suppose|supposing|imagine|what if)\b[^.?!;]*"
    # A fear of what may come, to the end of its clause: "I'm scared I'll have a seizure while driving" (not "I'm
    # scared he will die, he's not breathing", whose second clause reports). Unsure of what is happening or has
    # happened ("may have swallowed", "might be having") is no fear of the future: it reports.
    r"|\b(?:scared|afraid|worried|worry|worries|fear(?:s|ful)?|nervous|anxious|terrified)\b(?:\s+(?:that|of))?\s+"
    r"(?:\w+\s+){0,6}?(?:(?:will|i['\u2019]?ll|(?:he|she|they|we|you|it)['\u2019]ll|would|going to|gonna)\b"
    r"|(?:might|may|could)\s+(?!(?:have|be|been)\b))[^.?!;,]*"
    # "very worry about him choking with grapes": a worry about what may happen.
    r"|\b(?:worried|worry|scared|afraid|nervous) about (?:\w+\s+){0,3}?\w+ing\b[^.?!;,]*",
    _I,
)
# Figures of speech in an emergency's words: "this deadline is killing me", "you gave me a heart attack", "dying to
# know".
_FIGURATIVE = re.compile(
    r"\b(?:is|are|['\u2019]s|['\u2019]re)\s+(?:(?:literally|honestly|actually|really|slowly|just)\s+)?killing me\b|"
    r"\b(?:gave|give|gives|giving|nearly gave|almost gave)\s+(?:me|him|her|us|them)\s+(?:a\s+)?heart attacks?\b|"
    r"\bdying\s+(?:to|for)\b|\bdying of (?:laughter|embarrassment|boredom|curiosity)\b|"
    r"\b(?:pure|absolute|total|such) poison\b|\b(?:nearly|almost) (?:had|have|having) a heart attack\b|"
    r"\bthrough the roof\b",
    _I,
)
# A denial's scope runs over "or": "no face or airway involvement" denies two.
_DENIED_PAIR = re.compile(r"\b(?:no|without)\s+(?:\w+\s+){0,2}?(?:or|nor)\s+\w+", _I)
# Red flags checked and absent: a sign denied ("no fever", "without vomiting"), a finding said normal ("obs all
# normal", "lips and throat fine") or a reading within its normal range (`_denials`); not "no idea", "no one", "no
# longer", nor a sign the lexicons read ("no pulse").
_DENIAL = re.compile(
    r"\b(?:no|without|denies|denied)\s+(?!(?:idea|one|longer|more|matter|way|clue|response|pulse|breath(?:e|ing|s)?|"
    r"signs? of life|output|heartbeat)\b)\w+|\b(?:fine|normal|normally|ok|okay)\b|"
    # A clinician's negative findings: "afebrile", "chest clear", "comfortable".
    r"\b(?:afebrile|apyrexial|comfortable|(?:chest|lungs?) (?:is |are |sounds? )?clear|good colou?r|"
    r"none of (?:those|these|them|that))\b|"
    # Recovered: "back to himself", "his usual self", "carried on eating happily".
    r"\b(?:(?:his|her|their|my) usual self|back to (?:normal|playing|(?:him|her|my|them)sel(?:f|ves))|"
    r"carried on (?:eating|playing|feeding)|(?:eating|playing|feeding) happily)\b",
    _I,
)
# Two of them in a message the lexicons find no event in: someone checked and found none. The event reader, which
# reads the signs' words whether or not denied, is then not asked.
DENIALS_OF_CALM = 2
# A sign denied or asked about is not reported: "no chest pain", "denies syncope", "the warning signs of stroke",
# "the risk of overdose", "does it increase suicidal thoughts?" (the negation and aboutness triggers of NegEx,
# within two words before the sign).
_NOT_REPORTED = re.compile(
    r"\b(?:no|not|denies|denied|without|never|negative for|free of|"
    # "she didn't hit her head"; not "he hasn't stopped seizing".
    rf"{_DIDNT}(?!\s+(?:stop|stopped|ceased)\b)|"
    r"(?:signs?|symptoms?|risks?|causes?|treatments?|management|prevention|complications?|dangers?) (?:of|for)|"
    # Guarding against it: "childproof the house against accidental poisoning", "to prevent choking".
    r"against|prevent|prevents|preventing|avoid|avoiding|"
    r"cause|causes|increase|increases|trigger|triggers|leads? to|raises?|"
    # Asked whether: "have I overdosed?"; told apart: "how do you tell choking from ...".
    r"(?:have|did|could|might) i(?: have)?|(?:do|can|would|could) (?:you|i|we|one) tell|tell (?:if|whether)|"
    r"distinguish|differentiate|apart from|difference between|"
    # Told to watch for it: "watch for slurred speech".
    r"watch(?:ing)? (?:out )?for|look(?:ing)? out for|keep an eye (?:out )?for|"
    # A danger asked about: "most dangerous for toddlers to swallow".
    r"(?:dangerous|harmful|bad|toxic|safe) (?:for (?:\w+ ){1,2})?to|"
    # A property of a drug in an event: "dangerous in overdose", "safe in pregnancy".
    r"(?:dangerous|safe|fatal|lethal|toxic|deadly) in)"
    # Within the sign's clause: words and spaces only between them ("no, she is seizing" reports it).
    r"[^\w.,;:!?]+(?:(?:an?|the)[^\w.,;:!?]+)?(?:\w+[^\w.,;:!?]+){0,2}$",
    _I,
)
# "A 40-year-old man presents with ...": a hypothetical patient, unless the writer is involved.
_VIGNETTE = re.compile(r"\b(?:a|an)\s+\d+[- ]?(?:year|yr|y)[- ]?old\b", _I)

# A reading past a red flag, written as a number after its name ("HR 210", "BP 68/40", "K 7.8", "pH 6.88"): the
# three-point values of the National Early Warning Score (NEWS2) for the vital signs, taken wider where a reading
# has an everyday cause (a pulse of 135 after running), and the critical values laboratories telephone at once.
# Glucose is written in mg/dL or mmol/L: 20-45 is critical in either, as are the lows of both and the highs of mg/dL.
_CRITICAL: dict[str, tuple[str, Callable[[float], bool]]] = {
    # The National Early Warning Score: 7 or more calls for an emergency response.
    "early_warning": (r"news2?(?: score)?", lambda v: 7 <= v <= 20),
    # An oxygen saturation below 85% (88-92% is the target in some lung disease).
    "saturation": (r"sats?|saturations?|spo2|o2 sats?", lambda v: 10 <= v <= 84),
    "heart_rate": (
        r"hr|heart rate|pulse(?: rate)?|heart(?:beat)? (?:is |has been )?(?:pounding|racing|beating)(?: at)?",
        lambda v: v <= 40 or 150 <= v <= 300,
    ),
    "breathing_rate": (r"rr|resp(?:iratory)? rate|resps", lambda v: v <= 8 or 30 <= v <= 80),
    "systolic": (r"bp|blood pressure|sbp|systolic", lambda v: 30 <= v <= 90 or v >= 220),
    "temperature": (r"temp(?:erature)?", lambda v: 40 <= v <= 45 or 104 <= v <= 113 or 25 <= v <= 35),
    "coma_scale": (r"gcs", lambda v: 3 <= v <= 8),
    "potassium": (r"k\+?|potassium", lambda v: 6.5 <= v <= 12 or 0 < v <= 2.5),
    # Blood ketones of 3 mmol/L or more: ketoacidosis (Joint British Diabetes Societies).
    "ketones": (r"ketones?|bhb|beta[- ]hydroxybutyrate", lambda v: 3 <= v <= 15),
    "sodium": (r"na\+?|sodium", lambda v: 90 <= v <= 120 or 160 <= v <= 200),
    "acidity": (r"ph", lambda v: 6.5 <= v <= 7.1),
    "lactate": (r"lactate|lactic acid", lambda v: 4 <= v <= 40),
    "glucose": (r"glucose|blood sugar|sugar|bg|bgl|bsl|cbg", lambda v: 0 < v <= 2.5 or 20 <= v <= 45 or v >= 500),
    # A serum lithium of 2.0 mmol/L or more: moderate to severe toxicity (the range is 0.4-1.0).
    "lithium": (r"lithium(?: levels?)?", lambda v: 2.0 <= v <= 10),
}
# A reading within its normal range: the zero-point bands of NEWS2 for the vital signs (a NEWS2 of 0-4 is low
# risk), and the laboratories' reference ranges. What lies between is neither normal nor a red flag.
_NORMAL: dict[str, Callable[[float], bool]] = {
    "early_warning": lambda v: 0 <= v <= 4,
    "saturation": lambda v: 96 <= v <= 100,
    "heart_rate": lambda v: 51 <= v <= 90,
    "breathing_rate": lambda v: 12 <= v <= 20,
    "systolic": lambda v: 111 <= v <= 219,
    "temperature": lambda v: 36.1 <= v <= 38.0 or 97 <= v <= 100.4,
    "coma_scale": lambda v: v == 15,
    "potassium": lambda v: 3.5 <= v <= 5.3,
    "ketones": lambda v: v < 0.6,
    "sodium": lambda v: 133 <= v <= 146,
    "acidity": lambda v: 7.35 <= v <= 7.45,
    "lactate": lambda v: v < 2,
    "glucose": lambda v: 4 <= v <= 7.8 or 72 <= v <= 140,
    "lithium": lambda v: 0.4 <= v <= 1.0,
}
_READING = re.compile(
    # One named group per reading, which says whose cut-offs apply.
    rf"\b(?:{'|'.join(f'(?P<{kind}>{name})' for kind, (name, _) in _CRITICAL.items())})(?!\w)"
    # The number follows its name, or a word or two of how it goes ("BP falling 88/50", "K came back 7.8"); not a
    # number of something else ("sugar in my 2 coffees", "pulse after 20 minutes").
    r"(?:\s*(?:of|is|was|at|now|down to|up to|only|=|:)|,?\s*(?:it['\u2019]?s|it is|it was|which is)|"
    r"(?:\s+(?!(?:in|on|my|his|her|their|our|a|an|the|and|with|for|to|after|before|per)\b)[a-z]+){1,2})?\s*"
    r"(?P<value>\d{1,3}(?:\.\d+)?)(?!\s*(?:mg|mcg|tabs?|pills?|hours?|hrs?|days?|weeks?|months?|years?|minutes?|mins?)\b)\b",
    _I,
)


# The coma scale by its parts, eyes, voice and movement ("E1 V2 M4"; "T" for an intubated voice, scored 1).
_COMA_PARTS = re.compile(r"\bE(?P<eyes>[1-4])\s*V(?P<voice>[1-5T])\s*M(?P<movement>[1-6])\b", _I)


# A reading taken before now: "NEWS 10 and BP 80/50 yesterday; NEWS 1 today".
_EARLIER = re.compile(r"\b(?:yesterday|last night|on admission|at admission|previously|initially|earlier)\b", _I)
# A dose given in place of another: "50 units of my insulin instead of 5".
_INSTEAD = re.compile(
    r"\b(?P<given>\d+(?:\.\d+)?)\s*(?:units?|mg|mcg|ml|tablets?|pills?)\b[^.?!]{0,60}?\binstead of "
    r"(?:the |my |his |her |their )?(?P<meant>\d+(?:\.\d+)?)",
    _I,
)
# A haemolysed sample: the potassium of broken red cells, not of the patient.
_HAEMOLYSED = re.compile(r"\b(?:haemoly[sz]\w*|hemoly[sz]\w*)", _I)


def _readings(message: str) -> list[tuple[str, float]]:
    """Each reading the message gives (`_CRITICAL`, and the coma scale by its parts) as (kind, value); a
    potassium of a haemolysed sample is none, nor a reading its clause places earlier ("NEWS 10 yesterday")."""
    spurious = {"potassium"} if _HAEMOLYSED.search(message) else set()
    found = []
    for match in _READING.finditer(message):
        kind = next(kind for kind in _CRITICAL if match.group(kind))
        start = _CLAUSE_START.search(message, 0, match.start()).start()
        end = _CLAUSE_END.search(message, match.end())
        if kind not in spurious and not _EARLIER.search(message, start, end.start() if end else len(message)):
            found.append((kind, float(match.group("value"))))
    for match in _COMA_PARTS.finditer(message):
        voice = match.group("voice")
        score = int(match.group("eyes")) + (1 if voice.upper() == "T" else int(voice)) + int(match.group("movement"))
        found.append(("coma_scale", float(score)))
    return found


def _critical_reading(message: str) -> bool:
    """Whether the message gives a reading past its red flag."""
    return any(_CRITICAL[kind][1](value) for kind, value in _readings(message))


def _wrong_dose(message: str) -> bool:
    """Whether the message gives a dose five times or more the one meant (`_INSTEAD`)."""
    return any(float(m.group("given")) >= 5 * float(m.group("meant")) > 0 for m in _INSTEAD.finditer(message))


def _denials(message: str) -> int:
    """How many red flags the message says were checked and found absent: signs denied, findings said normal
    (`_DENIAL`) or said not to have happened (`_DENIED_SIGN`), readings within their normal range (`_NORMAL`:
    "NEWS 0", "HR 72")."""
    normal = sum(1 for kind, value in _readings(message) if _NORMAL[kind](value))
    pairs = len(_DENIED_PAIR.findall(message))
    return len(_DENIAL.findall(message)) + pairs + len(_DENIED_SIGN.findall(message)) + normal


def is_emergency(
    message: str,
    likely: Callable[[str], bool] | None = None,
    *,
    present: Callable[[str], bool] | None = None,
) -> bool:
    """True when a message describes an emergency happening now to a real person (see the module docstring).

    Args:
        likely: whether a message describes an emergency event in words the lexicons lack
            (`qa.answer.emergency.EmergencyModel.likely` on its vector); asked only of a message about someone now
            in which the lexicons find no event and which does not deny `DENIALS_OF_CALM` red flags or more
            (`_denials`), and of what it reports (`reported`). None: the lexicons alone.
        present: whether a message in which an event was found tells of a situation now, not of one revised for,
            taught, read about or feared (the situation reader, `qa.answer.emergency`); asked only then, of what
            it reports, and False takes the event away. None: the lexicons of tense and person alone decide.
    """
    # Someone who has swallowed something is not well because they seem so (`_WELL`).
    wellness = not _TOOK.search(message)
    if _NOT_NOW.search(message):
        return False
    over = _PAST.search(message) or (wellness and _WELL.search(message))
    if over and not _happening_now(message, wellness=wellness):
        return False
    if not _someone_now(message):
        return False
    said = reported(message)
    found = (
        _reported_sign(said)
        or _INGESTION.search(said)
        or _ate_a_medicine(said)
        or _critical_reading(said)
        or _wrong_dose(said)
    )
    if not found and (likely is None or _denials(said) >= DENIALS_OF_CALM or not likely(said)):
        return False
    return present is None or present(said)


def reported(message: str) -> str:
    """The message without the situations it only supposes ("what should I do if my toddler ever swallows a
    battery?") and without its figures of speech ("this rota is killing me"): what the lexicons and the reader read
    for an event."""
    return _FIGURATIVE.sub(" ", _SUPPOSED.sub(" ", message))


def _happening_now(message: str, *, wellness: bool = True) -> bool:
    """Whether a clause of the message says something is happening right now (`_RIGHT_NOW`), not "no symptoms at
    the moment" nor, with `wellness`, "he's fine at the moment" (`_WELL_NOW`), nor a plan asked about ("can he drink
    beer tonight?")."""
    for m in _RIGHT_NOW.finditer(message):
        start = _CLAUSE_START.search(message, 0, m.start()).start()
        if _NEGATED_CLAUSE.search(message, start, m.start()):
            continue
        sentence = message[max(message.rfind(mark, 0, m.start()) for mark in ".?!") + 1 : m.end()]
        if _ASKED_PLAN.search(sentence) and message[m.end() :].lstrip().startswith("?"):
            continue
        if wellness and _WELL_NOW.search(message, start, m.start()):
            continue
        return True
    return False


def _reported_sign(message: str) -> bool:
    """Whether the message names a sign (`_SIGNS`) that it does not deny or ask about (`_NOT_REPORTED`)."""
    return any(not _NOT_REPORTED.search(message, 0, match.start()) for match in _EVENT.finditer(message))


def _someone_now(message: str) -> bool:
    """Whether the message is about the writer, someone in their care or someone pointed at now: not a vignette's
    hypothetical patient, nor the "I" of a how-to question."""
    if _FIRST_PERSON.search(_ANYONES_I.sub(" ", message)) or _ELIDED_I.search(message):
        return True
    if _VIGNETTE.search(message):
        return False
    return bool(_PRESENT_THIRD.search(message) or _BARE_PERSON.search(message) or _NOW.search(message))


def _ate_a_medicine(message: str) -> bool:
    """Whether the message says someone ate or got into a medicine, or took all of one or ten doses or more, or a
    young child took the writer's (`_GOT_INTO`)."""
    young = _YOUNG_CHILD.search(message) is not None
    for match in _GOT_INTO.finditer(message):
        thing = match.group("thing").lower()
        count = (match.group("count") or "").lower()
        if match.group("verb").lower() in ("took", "taken", "swallowed"):
            # Taking a medicine is what it is for: only all of it, or ten doses or more, is an overdose; or a young
            # child taking the writer's ("my 2 year old swallowed my amlodipine").
            many = count in ("all", "most") or (count.isdigit() and int(count) >= 10)
            theirs = young and (match.group("owner") or "").lower() in ("my", "our")
            if (many or theirs) and (thing in _MEDICINES or is_drug_name(thing)):
                return True
            continue
        counted = bool(count) and count != "some"
        whose = match.group("verb").lower() == "got into" or match.group("owner") is not None or counted
        if whose and (thing in _MEDICINES or is_drug_name(thing)):
            return True
    return False


# A sentence a clinician must not miss: toxicity, a contraindication, a warning, a dose that harms.
WARNING = re.compile(
    r"\b(toxic\w*|avoid\w*|contraindicat\w*|caution|warning|fatal|death|overdose|do not|should not|never|"
    r"black box|life-threatening|severe (?:toxicity|reactions?)|risk of)\b",
    re.IGNORECASE,
)
# A quantity a clinician acts on: a dose, a clearance, a rate.
QUANTITY = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:mg|mcg|µg|g|kg|ml|l|mmol|mol|meq|units?|iu|%|ml/min|mg/kg|ng/ml|hours?|h|days?|weeks?)\b",
    re.IGNORECASE,
)

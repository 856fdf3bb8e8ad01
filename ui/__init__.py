"""The web chat, a Gradio front end that renders what the `qa` library answers, with no logic of its own."""

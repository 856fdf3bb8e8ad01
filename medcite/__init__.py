"""The `medcite` command: ties the library (`qa`), the chat (`ui`) and the evaluation harness (`eval`) together.

It lives above all three so that the library never imports the chat or the harness; dependencies point down.
"""

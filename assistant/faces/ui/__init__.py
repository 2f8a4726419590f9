"""The chat page (Gradio 6), one concept per module:

- :mod:`~assistant.faces.ui.markup`: the one place text from documents and users becomes (inert) HTML;
- :mod:`~assistant.faces.ui.transcript`: the conversation as HTML and as Markdown (copy, export);
- :mod:`~assistant.faces.ui.evidence`: the evidence pane and the whole-document view;
- :mod:`~assistant.faces.ui.examples`: what the empty page offers (the collection, example questions);
- :mod:`~assistant.faces.ui.library`: the Documents tab's table;
- :mod:`~assistant.faces.ui.page`: the handlers, plain functions over the runtime (tested without a browser);
- :mod:`~assistant.faces.ui.layout`: the Gradio layout and wiring (Gradio is imported there, in ``build``);
- ``static/``: the page's CSS and the conversation pane's script (citation jumps, copy, feedback,
  export, the document view, the conversation id in the URL).

Everything from documents and users reaches the page through :mod:`~assistant.faces.ui.markup` only.
"""

from assistant.faces.ui.layout import CSS, build, theme
from assistant.faces.ui.page import Page, View, new_state

__all__ = ["CSS", "Page", "View", "build", "new_state", "theme"]

"""A conversational retrieval assistant: cited answers from a document collection, offline."""

from assistant.offline import disable_phone_home

disable_phone_home()

"""A conversational retrieval assistant: cited answers from a document collection, offline."""

from index.offline import disable_phone_home

disable_phone_home()

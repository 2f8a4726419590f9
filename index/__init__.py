"""Documents in: load -> clean -> structure -> split -> embed -> store."""

from assistant.offline import disable_phone_home

disable_phone_home()

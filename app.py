"""Start the web app (chat page, REST API, OpenAI-compatible API) from settings."""

from assistant.faces.server import serve
from assistant.settings import Settings

if __name__ == "__main__":
    settings = Settings()
    serve(settings, settings.host, settings.port)

"""The web app: one FastAPI application with the chat page at ``/``, the REST API under
``/api``, the OpenAI-compatible API under ``/v1``, ``/healthz`` and the OpenAPI docs at ``/docs``.

The models and the collection are loaded once, in the lifespan; a missing index does not stop
the app (the API answers 503 with what to run, the page says how to build it).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from assistant.settings import Settings
from index.offline import disable_phone_home

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.service import Assistant

#: domain error class name -> (HTTP status, short error type)
STATUS = {
    "IndexNotBuiltError": (503, "index_not_built"),
    "GeneratorError": (503, "generator_unavailable"),
    "StoreError": (503, "store_unavailable"),
    "EmbedderError": (503, "embedder_unavailable"),
    "DocumentError": (400, "invalid_document"),
    "BadRequest": (400, "invalid_request"),
    "NotFoundError": (404, "not_found"),
    "ConflictError": (409, "conflict"),
    "BusyError": (409, "conflict"),
    "TooLargeError": (413, "too_large"),
    "ConfigError": (500, "config_error"),
}
#: framework errors (routing, body parsing) -> short error type
HTTP_KINDS = {400: "invalid_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}


def create_app(settings: Settings, assistant: Assistant | None = None) -> FastAPI:
    """Build the app. ``assistant`` lets a caller (the tests) hand in one already loaded;
    otherwise the lifespan loads it from ``settings``."""
    disable_phone_home()
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import anyio
    import gradio as gr
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from assistant.errors import DomainError
    from assistant.faces import api, contract, openai_api, ui
    from assistant.runtime import Runtime

    runtime = Runtime(settings, assistant)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(runtime.start)
        yield
        runtime.close()

    app = FastAPI(
        title="Offline document assistant",
        description="Ask questions about your documents and get answers with cited passages, offline.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.runtime = runtime

    def error(request: Request, status: int, kind: str, message: str) -> JSONResponse:
        if request.url.path.startswith("/v1/"):  # the shape OpenAI clients parse
            body: dict[str, Any] = {"error": {"message": message, "type": kind, "code": status}}
        else:
            body = {"error": kind, "detail": message}
        return JSONResponse(body, status_code=status)

    async def domain_error(request: Request, exc: Exception) -> JSONResponse:
        status, kind = STATUS.get(type(exc).__name__, (500, "internal_error"))
        return error(request, status, kind, str(exc))

    for family in DomainError:
        app.add_exception_handler(family, domain_error)

    @app.exception_handler(api.ApiKeyError)
    async def key_error(request: Request, exc: api.ApiKeyError) -> JSONResponse:
        response = error(request, exc.status_code, "unauthorized" if exc.status_code == 401 else "forbidden", str(exc))
        if exc.status_code == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}" for e in exc.errors()
        )
        if request.url.path.startswith("/v1/"):  # OpenAI answers a malformed request with 400
            return error(request, 400, "invalid_request", problems)
        fields = [{"loc": [p if isinstance(p, int) else str(p) for p in e["loc"]], "msg": str(e["msg"]), "type": str(e["type"])}
                  for e in exc.errors()]
        return JSONResponse({"error": "invalid_request", "detail": problems, "errors": fields}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = HTTP_KINDS.get(exc.status_code, "http_error")
        response = error(request, exc.status_code, kind, str(exc.detail))
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.middleware("http")
    async def upload_limit(request: Request, call_next: Any) -> Any:
        allowed = contract.allowed_methods(app, request.url.path)
        if allowed and request.method not in allowed:
            # without this the page mounted at / would answer 404 for e.g. PUT /api/ask
            response = error(request, 405, "method_not_allowed", f"{request.method} is not allowed here; use {', '.join(allowed)}")
            response.headers["Allow"] = ", ".join(allowed)
            return response
        # refuse an oversized upload before its body is read and spooled to disk
        if request.method == "POST" and request.url.path == "/api/documents":
            length = request.headers.get("content-length", "")
            if length.isdigit() and int(length) > settings.max_upload_mb * 1024 * 1024 + 64 * 1024:
                return error(
                    request, 413, "too_large",
                    f"upload larger than the {settings.max_upload_mb} MB limit (ASSISTANT_MAX_UPLOAD_MB)",
                )
        return await call_next(request)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, Any]:
        """Liveness, whether an index is loaded (the collection as last committed), and whether
        its vector store answers: ``status`` is ``degraded`` and ``problem`` says what to do when
        a Chroma server is away (the app reconnects by itself)."""
        return runtime.health()

    app.include_router(api.router)
    app.include_router(openai_api.router)
    contract.install(app, keyed=bool(settings.api_key and settings.api_key.get_secret_value()))
    blocks = ui.build(runtime)
    return gr.mount_gradio_app(
        app, blocks, path="/", footer_links=["api"], run_history=False, ssr_mode=False, mcp_server=False,
        theme=ui.theme(), css=ui.CSS, max_file_size=f"{settings.max_upload_mb}mb", show_error=True,
    )


def serve(settings: Settings, host: str, port: int) -> None:
    """Run the app with uvicorn and print its URL (never a public share link)."""
    import uvicorn

    app = create_app(settings)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(f"Assistant running at http://{shown}:{port}/  (API docs: http://{shown}:{port}/docs)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")

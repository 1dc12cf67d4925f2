"""The baseline of the ingest benchmark: a FastAPI endpoint that reads the body and answers 202.

Served by the same uvicorn as ``notionhub serve``, so the ratio of the two isolates what
verifying, parsing and durably storing an event costs.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


def create_bare_app() -> FastAPI:
    app = FastAPI()

    @app.post("/hooks/{provider}")
    async def accept(provider: str, request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"event_id": provider, "duplicate": False}, status_code=202)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app

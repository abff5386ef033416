"""``copydesk serve INDEX``: the index over HTTP, a JSON API on uvicorn (FastAPI).

Endpoints (schema in docs/service.md; the server also serves its OpenAPI document at
``/openapi.json`` and a browsable form at ``/docs``):

- ``GET /health``: documents, matches, clusters and generation of the index.
- ``POST /query``: a document (``{"id", "text", "source", "url", "published"}``, only ``text``
  required); the matches a batch run over the index and it would give it. Writes nothing.
- ``POST /documents``: add documents (``{"documents": [...]}``) in one transaction; 200 with
  the add's counts once it is committed (a kill after that loses nothing).
- ``GET /documents/{id}``: an indexed document's record, matches and clusters (404 if absent).

Concurrency: every request runs in the server's thread pool with its own SQLite connection, so
queries and reads go on while an add runs (they see the index before the add, then after it);
adds are serialised, one writer at a time. Bad requests get a 4xx status and a JSON body
``{"detail": message}``.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations at runtime, and
# the request models are local to create_app (pydantic is imported only with the serve extra).

import os
from typing import Any

from copydesk.errors import MissingExtra

__all__ = ["create_app", "serve"]

_EXTRA = "pip install 'copydesk[serve]'"

# Requests larger than this are refused (413) before they are parsed: a news article is tens of
# kilobytes; a batch add of a few thousand articles fits well within it.
MAX_BODY_BYTES = 64 << 20


def _require() -> None:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as e:
        raise MissingExtra(f"copydesk serve needs the serve extra ({e.name} is missing): {_EXTRA}") from None


def create_app(index_path: str | os.PathLike[str]) -> Any:
    """The ASGI application serving one index (for uvicorn, or any ASGI server).

    Raises:
        LiveIndexError: if ``index_path`` is not an index.
        ImportError: without the ``serve`` extra, with the pip line.
    """
    _require()
    from fastapi import FastAPI, HTTPException, Request
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel, ConfigDict, Field
    from starlette.concurrency import run_in_threadpool

    from copydesk import __version__
    from copydesk.ingest import IngestError
    from copydesk.live.index import LiveIndex, LiveIndexError, QueryConflict
    from copydesk.types import Document

    index = LiveIndex(index_path, processes=1)

    class DocumentIn(BaseModel):
        """A document as a client sends it."""

        model_config = ConfigDict(extra="forbid")
        id: str | None = Field(None, min_length=1, description="unique id; a query may leave it out")
        text: str = Field(..., description="the original text")
        source: str | None = Field(None, description="publisher or site (per-source furniture is learnt)")
        url: str | None = None
        published: str | None = Field(None, description="publication date, ISO 8601")

    class DocumentsIn(BaseModel):
        model_config = ConfigDict(extra="forbid")
        documents: list[DocumentIn] = Field(..., min_length=1, description="the documents to add")

    class Health(BaseModel):
        status: str
        documents: int
        matches: int
        clusters: int
        generation: int
        copydesk_version: str

    class QueryAnswer(BaseModel):
        id: str
        indexed: bool = Field(..., description="whether the id and text are an indexed document's")
        matches: list[dict[str, Any]] = Field(..., description="lines of matches.jsonl (docs/output-format.md)")

    class AddAnswer(BaseModel):
        added: int
        skipped: list[str] = Field(..., description="problems: ids already in the index")
        counts: dict[str, Any]
        generation: int

    class DocumentAnswer(BaseModel):
        document: dict[str, Any] = Field(..., description="its line of documents.jsonl")
        matches: list[dict[str, Any]]
        clusters: list[dict[str, Any]]

    app = FastAPI(title="copydesk index", version=__version__,
                  description="A copydesk index over HTTP: query documents against it, add to it (docs/service.md).")

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Any) -> Any:
        size = request.headers.get("content-length")
        if size is not None and size.isdigit() and int(size) > MAX_BODY_BYTES:
            return JSONResponse({"detail": f"request body over {MAX_BODY_BYTES} bytes; send fewer documents "
                                           "per request"}, status_code=413)
        return await call_next(request)

    def to_document(d: DocumentIn, default_id: str) -> Document:
        return Document(d.id or default_id, d.text, source=d.source, url=d.url, published=d.published,
                        origin=d.id or default_id)

    @app.get("/health", response_model=Health)
    def health() -> dict[str, Any]:
        """The index's size and generation (bumped by every add)."""
        return {"status": "ok", **index.health(), "copydesk_version": __version__}

    @app.post("/query", response_model=QueryAnswer)
    def query(doc: DocumentIn) -> dict[str, Any]:
        """The indexed documents this one copies, excerpts, rewrites or reports the same story as."""
        if not doc.text.strip():
            raise HTTPException(422, "text is empty: send the article's text")
        try:
            return index.query(to_document(doc, "query"))
        except QueryConflict as e:
            raise HTTPException(409, str(e)) from None

    @app.post("/documents", response_model=AddAnswer)
    async def add(body: DocumentsIn) -> dict[str, Any]:
        """Add documents in one transaction (all or none); answered once committed."""
        missing = [k for k, d in enumerate(body.documents) if d.id is None]
        if missing:
            raise HTTPException(422, f"documents[{missing[0]}] has no id: an added document needs one")
        ids = [d.id for d in body.documents]
        if len(set(ids)) != len(ids):
            raise HTTPException(422, "the same id twice in one request; ids must be unique")
        docs = [to_document(d, "") for d in body.documents]
        try:
            result = await run_in_threadpool(index.add_documents, docs)
        except IngestError as e:  # an id already indexed, with ingest.on_error = "fail"
            raise HTTPException(409, str(e)) from None
        except LiveIndexError as e:  # another process holds the write lock
            raise HTTPException(503, str(e)) from None
        return {"added": result.counts["documents_added"], "skipped": result.problems, "counts": result.counts,
                "generation": index.generation()}

    @app.get("/documents/{doc_id:path}", response_model=DocumentAnswer)
    def document(doc_id: str) -> dict[str, Any]:
        """An indexed document: its record, matches and clusters."""
        found = index.document(doc_id)
        if found is None:
            raise HTTPException(404, f"no document {doc_id!r} in the index")
        return found

    return app


def serve(index_path: str | os.PathLike[str], *, host: str = "127.0.0.1", port: int = 8000,
          log_level: str = "info") -> None:
    """Serve the index with uvicorn until interrupted (one process; requests in its thread pool)."""
    _require()
    import uvicorn

    app = create_app(index_path)
    uvicorn.run(app, host=host, port=port, log_level=log_level)

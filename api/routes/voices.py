"""Voices: the catalogue (with the fallback in Vietnamese), a sample of each voice, the
default voice of each column, the cloud voices' API keys (saved, never shown again)."""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse

from api import schemas
from api import voice_schemas as vs
from api.auth import ADMINS, EDITORS, READERS, Principal, requires
from api.context import AppContext
from api.convert import nfc
from api.errors import ApiError
from api.routes.common import AUTH_ERRORS, Ctx, errors
from broadcast.errors import BroadcastError
from broadcast.render import Renderer
from broadcast.store.voices import mask_key
from broadcast.tts.chain import make_engine
from broadcast.tts.cloud import PROVIDERS, SettingsKeys
from broadcast.voices.catalogue import Catalogue, build_catalogue, describe_voice
from broadcast.voices.station import StoredKeys

router = APIRouter(prefix="/api/voices", tags=["voices"], responses=AUTH_ERRORS)

VoiceIdPath = Annotated[str, Path(min_length=1, max_length=50, pattern=r"^[a-z]+(:[a-z0-9_-]+)?$")]
ProviderPath = Annotated[vs.Provider, Path()]
TopicPath = Annotated[str, Path(min_length=1, max_length=100)]

_renderer_lock = threading.Lock()


def _keys(ctx: AppContext) -> StoredKeys:
    return StoredKeys(ctx.settings, ctx.store)


def _catalogue(ctx: AppContext) -> Catalogue:
    topics = {t: v.voice for t, v in ctx.store.topic_voices.all().items()}
    return build_catalogue(ctx.settings, _keys(ctx), topics=topics)


def _sample_renderer(request: Request, ctx: AppContext) -> Renderer:
    """One renderer for the samples of this app (its chains keep their breakers)."""
    with _renderer_lock:
        renderer: Renderer | None = getattr(request.app.state, "voice_sample_renderer", None)
        if renderer is None:
            renderer = Renderer(ctx.settings, keys=_keys(ctx))
            request.app.state.voice_sample_renderer = renderer
        return renderer


def _voice_out(voice: object) -> vs.VoiceOut:
    return vs.VoiceOut.model_validate(voice, from_attributes=True)


@router.get("", response_model=vs.CatalogueOut)
def list_voices(ctx: Ctx, who: Annotated[Principal, requires(READERS)]) -> vs.CatalogueOut:
    """Every configured voice, whether it can speak now (or why not), the fallback chain, what
    happens without the Internet, and the default voice of each column."""
    catalogue = _catalogue(ctx)
    saved = ctx.store.topic_voices.all()
    labels = {v.id: v.label for v in catalogue.voices}
    return vs.CatalogueOut(
        voices=[_voice_out(v) for v in catalogue.voices],
        chain=catalogue.chain,
        offline_fallback=catalogue.offline_fallback,
        topics=[
            vs.TopicVoiceOut(
                topic=t.topic,
                voice=t.voice,
                label=labels.get(t.voice),
                updated_by=t.updated_by,
                updated_at=t.updated_at,
            )
            for t in saved.values()
        ],
    )


@router.post(
    "/{voice_id}/sample",
    response_class=FileResponse,
    responses={
        200: {"content": {"audio/mpeg": {"schema": {"type": "string", "format": "binary"}}}},
        **errors(404, 502),
    },
)
def voice_sample(
    voice_id: VoiceIdPath,
    request: Request,
    ctx: Ctx,
    who: Annotated[Principal, requires(EDITORS)],
    body: vs.SampleIn | None = None,
) -> FileResponse:
    """A sample sentence read by this voice alone (no fallback), as MP3. Costs one request
    to a cloud provider the first time; the result is kept."""
    catalogue = _catalogue(ctx)
    voice = catalogue.voice(voice_id)
    if voice is None:
        raise ApiError(
            404, f"Giọng '{voice_id}' không có trong danh sách giọng của đài.",
            code="voice_not_found",
        )
    text = nfc(body.text) if body is not None and body.text else ctx.settings.voice_sample_text
    renderer = _sample_renderer(request, ctx)
    engine = renderer.chain(voice.id, fallback=False).engines[0]
    digest = hashlib.sha256(
        json.dumps([voice.id, engine.identity(), text], ensure_ascii=False).encode("utf-8")
    ).hexdigest()[:20]
    safe = voice.id.replace(":", "-")
    out = ctx.settings.cache_dir / "voice-samples" / f"{safe}-{digest}.mp3"
    if not out.is_file():
        renderer.render_sample(voice.id, out, text)
    return FileResponse(out, media_type="audio/mpeg", filename=f"nghe-thu-{safe}.mp3")


# --- API keys of the cloud voices -----------------------------------------------------------


def _provider_out(ctx: AppContext, provider: str) -> vs.ProviderOut:
    saved = ctx.store.voice_keys.saved().get(provider)
    keys = _keys(ctx)
    source = keys.source(provider)
    hint = saved.hint if saved is not None else mask_key(SettingsKeys(ctx.settings).key(provider))
    return vs.ProviderOut(
        provider=provider,
        label=PROVIDERS[provider],
        key_set=source is not None,
        key_hint=hint if source is not None else None,
        source=source,  # type: ignore[arg-type]
        updated_by=saved.updated_by if saved is not None else None,
        updated_at=saved.updated_at if saved is not None else None,
    )


@router.get("/providers", response_model=list[vs.ProviderOut])
def list_providers(
    ctx: Ctx, who: Annotated[Principal, requires(READERS)]
) -> list[vs.ProviderOut]:
    """The cloud providers and whether a key is set; a key itself is never returned."""
    return [_provider_out(ctx, provider) for provider in PROVIDERS]


@router.put("/providers/{provider}/key", response_model=vs.ProviderOut)
def save_key(
    provider: ProviderPath,
    body: vs.KeyIn,
    ctx: Ctx,
    who: Annotated[Principal, requires(ADMINS)],
) -> vs.ProviderOut:
    """Save a provider's API key (it takes precedence over the settings' from the next
    request on). The answer shows only its last characters."""
    ctx.store.voice_keys.set(provider, body.api_key.strip(), by=who.name)
    ctx.timetable.changed()  # renders that failed for want of a key may now succeed
    return _provider_out(ctx, provider)


@router.delete("/providers/{provider}/key", response_model=vs.ProviderOut)
def delete_key(
    provider: ProviderPath, ctx: Ctx, who: Annotated[Principal, requires(ADMINS)]
) -> vs.ProviderOut:
    """Forget the saved key (the settings' key, if any, is used again)."""
    ctx.store.voice_keys.delete(provider)
    return _provider_out(ctx, provider)


# --- the default voice of each column -------------------------------------------------------


@router.get("/topics", response_model=list[vs.TopicVoiceOut])
def list_topic_voices(
    ctx: Ctx, who: Annotated[Principal, requires(READERS)]
) -> list[vs.TopicVoiceOut]:
    return [
        vs.TopicVoiceOut(
            topic=t.topic, voice=t.voice, label=None, updated_by=t.updated_by,
            updated_at=t.updated_at,
        )
        for t in ctx.store.topic_voices.all().values()
    ]


@router.put(
    "/topics/{topic}", response_model=vs.TopicVoiceOut, responses=errors(422)
)
def set_topic_voice(
    topic: TopicPath,
    body: vs.TopicVoiceIn,
    ctx: Ctx,
    who: Annotated[Principal, requires(EDITORS)],
) -> vs.TopicVoiceOut:
    """The voice scripts of this column are read with, unless a script names its own."""
    try:
        make_engine(body.voice, ctx.settings, _keys(ctx))
    except BroadcastError as exc:
        raise ApiError(422, exc.message, code="voice_unknown", voice=body.voice) from exc
    topic = nfc(topic).strip()
    saved = ctx.store.topic_voices.set(topic, body.voice, by=who.name)
    ctx.timetable.changed()
    info = describe_voice(body.voice, ctx.settings, _keys(ctx))
    return vs.TopicVoiceOut(
        topic=saved.topic, voice=saved.voice, label=info.label, updated_by=saved.updated_by,
        updated_at=saved.updated_at,
    )


@router.delete("/topics/{topic}", response_model=schemas.Done, responses=errors(404))
def delete_topic_voice(
    topic: TopicPath, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> schemas.Done:
    if not ctx.store.topic_voices.delete(nfc(topic).strip()):
        raise ApiError(404, f"Chuyên mục '{topic}' chưa có giọng riêng.", code="not_found")
    ctx.timetable.changed()
    return schemas.Done()


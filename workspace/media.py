"""What a customer's message carries besides text (Messages API inbound payloads: image,
audio, video, file, sticker, vcard, location), as the desktop shows it. Only http(s) links
are given out; anything else is shown as its kind without a link."""

from conversations.models import Message

LINKED_KINDS = ("image", "audio", "video", "file", "sticker", "vcard")


def safe_url(value: object) -> str:
    url = str(value or "")
    return url if url.startswith(("https://", "http://")) else ""


def message_attachments(message: Message) -> list[dict]:
    """The message's media and location, one entry each, in a fixed order."""
    content = message.content if isinstance(message.content, dict) else {}
    attachments: list[dict] = []
    for kind in LINKED_KINDS:
        item = content.get(kind)
        if isinstance(item, dict):
            attachments.append(
                {
                    "kind": kind,
                    "url": safe_url(item.get("url")),
                    "name": str(item.get("name") or ""),
                    "caption": str(item.get("caption") or ""),
                }
            )
    location = content.get("location")
    if isinstance(location, dict):
        try:
            latitude, longitude = float(location["lat"]), float(location["long"])
        except (KeyError, TypeError, ValueError):
            latitude = longitude = None  # type: ignore[assignment]
        if latitude is not None:
            attachments.append(
                {
                    "kind": "location",
                    "latitude": latitude,
                    "longitude": longitude,
                    "name": str(location.get("name") or ""),
                    "address": str(location.get("address") or ""),
                    "url": f"https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}"
                    f"#map=16/{latitude}/{longitude}",
                }
            )
    for item in content.get("content") or []:  # MMS: several attachments
        if isinstance(item, dict) and item.get("type") in LINKED_KINDS:
            attachments.append(
                {
                    "kind": item["type"],
                    "url": safe_url(item.get("url")),
                    "name": "",
                    "caption": str(item.get("caption") or ""),
                }
            )
    return attachments

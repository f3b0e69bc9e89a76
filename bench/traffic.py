"""The requests bench/webhooks.py sends, and the rows some of them need first.

Requests are written as raw HTTP, one file per wrk thread (PREFIX.1, PREFIX.2, ...), each
record "<byte length>\\n<request>", for bench/wrk_requests.lua. Signed requests carry a
token of their own: the webhooks refuse a jti they have seen, so nothing is sent twice.
Payloads come from conversations/tests/payloads.py, the shapes Vonage sends.
"""

import json
import multiprocessing
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction

from callcentre.vonage.signing import sign_webhook
from conversations.models import Channel, Conversation, Customer, CustomerHandle, Event, Member
from conversations.services.calls import answer_dedupe_key
from conversations.tests import payloads

# Returning callers: the caller numbers the answer requests use, all known customers.
CUSTOMER_COUNT = 10_000
# The event phase sends a call's four statuses this many requests apart (per thread), far
# more than there are requests in flight, so one leg's events arrive in order, not at once.
CALLS_PER_BLOCK = 256
STATUSES = (("started", 0), ("ringing", 1), ("answered", 6), ("completed", 251))
BATCH_SIZE = 2_000


@dataclass(frozen=True, kw_only=True)
class Call:
    uuid: str
    conversation_uuid: str
    number: str
    index: int

    def as_payload_call(self) -> dict:
        return {"uuid": self.uuid, "conversation_uuid": self.conversation_uuid}


def caller_number(index: int) -> str:
    return f"4477009{index % CUSTOMER_COUNT:05d}"


def new_call(index: int) -> Call:
    return Call(
        uuid=str(uuid.uuid4()),
        conversation_uuid=f"CON-{uuid.uuid4()}",
        number=caller_number(index),
        index=index,
    )


def customers_create() -> None:
    """One customer per caller number, as the answer webhook would have made them."""
    with transaction.atomic():
        customers = Customer.objects.bulk_create(
            [Customer() for _ in range(CUSTOMER_COUNT)], batch_size=BATCH_SIZE
        )
        CustomerHandle.objects.bulk_create(
            [
                CustomerHandle(
                    customer=customer, kind=CustomerHandle.Kind.PHONE, value=caller_number(index)
                )
                for index, customer in enumerate(customers)
            ],
            batch_size=BATCH_SIZE,
        )


def calls_create(calls: list[Call]) -> None:
    """What the answer webhook leaves behind for each call: conversation, member, answer event."""
    customer_ids = dict(
        CustomerHandle.objects.filter(
            kind=CustomerHandle.Kind.PHONE, value__in={call.number for call in calls}
        ).values_list("value", "customer_id")
    )
    for start in range(0, len(calls), BATCH_SIZE):
        batch = calls[start : start + BATCH_SIZE]
        answers = [
            payloads.answer(call.as_payload_call(), **{"from": call.number}) for call in batch
        ]
        started_at = [payloads.BASE_TIME + timedelta(seconds=call.index * 300) for call in batch]
        with transaction.atomic():
            conversations = Conversation.objects.bulk_create(
                [
                    Conversation(
                        vonage_uuid=call.conversation_uuid,
                        channel=Channel.VOICE,
                        direction=Conversation.Direction.INBOUND,
                        customer_id=customer_ids.get(call.number),
                        from_address=call.number,
                        to_address=payloads.CENTRE_NUMBER,
                        started_at=started,
                    )
                    for call, started in zip(batch, started_at, strict=True)
                ]
            )
            members = Member.objects.bulk_create(
                [
                    Member(
                        conversation=conversation,
                        kind=Member.Kind.CUSTOMER,
                        channel=Channel.VOICE,
                        leg_uuid=call.uuid,
                        from_address=call.number,
                        to_address=payloads.CENTRE_NUMBER,
                    )
                    for call, conversation in zip(batch, conversations, strict=True)
                ]
            )
            Event.objects.bulk_create(
                [
                    Event(
                        conversation=conversation,
                        member=member,
                        kind=Event.Kind.ANSWER,
                        leg_uuid=call.uuid,
                        occurred_at=started,
                        received_at=started,
                        dedupe_key=answer_dedupe_key(
                            leg_uuid=call.uuid, conversation_uuid=call.conversation_uuid
                        ),
                        payload=answer,
                    )
                    for call, conversation, member, started, answer in zip(
                        batch, conversations, members, started_at, answers, strict=True
                    )
                ]
            )


def raw_request(*, host: str, path: str, body: bytes, authorization: str | None) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    if authorization is not None:
        lines.append(f"Authorization: {authorization}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def signed_request(*, host: str, path: str, payload: dict) -> bytes:
    body = json.dumps(payload).encode()
    token = sign_webhook(
        body=body, secret=settings.VONAGE_SIGNATURE_SECRET, api_key=settings.VONAGE_API_KEY
    )
    return raw_request(host=host, path=path, body=body, authorization=f"Bearer {token}")


def write_thread_files(prefix: Path, per_thread: list[list[bytes]]) -> None:
    for thread_id, requests in enumerate(per_thread, start=1):
        with open(f"{prefix}.{thread_id}", "wb") as handle:
            for request in requests:
                handle.write(b"%d\n" % len(request))
                handle.write(request)


def split_evenly(count: int, parts: int) -> list[int]:
    return [count // parts + (1 if part < count % parts else 0) for part in range(parts)]


def unsigned_answers(*, host: str, path: str, count: int, threads: int) -> list[list[bytes]]:
    """Answer-shaped bodies without a signature, for the bare views (wrk wraps around them)."""
    index = 0
    per_thread = []
    for share in split_evenly(count, threads):
        requests = []
        for _ in range(share):
            call = new_call(index)
            index += 1
            body = json.dumps(payloads.answer(call.as_payload_call(), **{"from": call.number}))
            requests.append(
                raw_request(host=host, path=path, body=body.encode(), authorization=None)
            )
        per_thread.append(requests)
    return per_thread


def sign_chunk(host: str, path: str, chunk: list[dict]) -> list[bytes]:
    return [signed_request(host=host, path=path, payload=payload) for payload in chunk]


def sign_all(*, host: str, path: str, payloads: list[dict]) -> list[bytes]:
    """Sign on every core (HS256 and JSON take ~70 us a request); keeps the order."""
    processes = len(os.sched_getaffinity(0))
    if processes == 1 or len(payloads) < 1000:
        return sign_chunk(host, path, payloads)
    # Forked children must not share this process's database connection.
    connections.close_all()
    size = -(-len(payloads) // processes)
    chunks = [payloads[start : start + size] for start in range(0, len(payloads), size)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        signed = pool.map(sign_chunk, [host] * len(chunks), [path] * len(chunks), chunks)
        return [request for chunk in signed for request in chunk]


def signed_answers(*, host: str, count: int, threads: int) -> list[list[bytes]]:
    """A new call per request: each one creates a conversation, a member and an event."""
    index = 0
    per_thread = []
    for share in split_evenly(count, threads):
        answers = []
        for _ in range(share):
            call = new_call(index)
            index += 1
            answers.append(payloads.answer(call.as_payload_call(), **{"from": call.number}))
        per_thread.append(sign_all(host=host, path="/webhooks/answer", payloads=answers))
    return per_thread


def event_calls(*, count: int, threads: int, first_index: int) -> list[list[Call]]:
    """Calls for the event phase, per thread: whole blocks of CALLS_PER_BLOCK, 4 events each."""
    blocks_per_thread = -(-count // (len(STATUSES) * CALLS_PER_BLOCK * threads))
    calls_per_thread = blocks_per_thread * CALLS_PER_BLOCK
    return [
        [
            new_call(first_index + thread * calls_per_thread + position)
            for position in range(calls_per_thread)
        ]
        for thread in range(threads)
    ]


def block_events(calls: list[Call]) -> Iterator[dict]:
    """started for a block of calls, then ringing for the same calls, then answered, completed."""
    for start in range(0, len(calls), CALLS_PER_BLOCK):
        block = calls[start : start + CALLS_PER_BLOCK]
        for status, offset in STATUSES:
            for call in block:
                yield payloads.status(
                    call.as_payload_call(),
                    status,
                    at=call.index * 300 + offset,
                    **{"from": call.number},
                )


def signed_events(*, host: str, calls_per_thread: list[list[Call]]) -> list[list[bytes]]:
    return [
        sign_all(host=host, path="/webhooks/event", payloads=list(block_events(calls)))
        for calls in calls_per_thread
    ]

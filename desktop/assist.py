"""What the desktop shows of the AI layer on an offer card or a held contact: the intent,
the customer's sentiment and agent assist's suggestions (static/agents/assist.js)."""

from ai import assist, sentiment
from ai.selectors import intent_label, suggestions_of_conversation
from conversations.models import Conversation


def assist_of(conversation: Conversation) -> dict:
    """For an offer card or a held contact."""
    return {
        "intent": conversation.intent,
        "intent_label": intent_label(conversation.intent) if conversation.intent else "",
        "intent_confidence": conversation.intent_confidence,
        "sentiment": conversation.sentiment,
        "sentiment_label": sentiment.label(conversation.sentiment),
        "suggestions": [
            assist.suggestion_payload(suggestion)
            for suggestion in suggestions_of_conversation(conversation_id=conversation.pk)
        ],
    }

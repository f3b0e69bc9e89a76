"""The demo's intents, knowledge articles and assist rules (`manage.py load_demo` loads them).

The example phrases train the classifier; bench/ai.py measures it on other phrases
(bench/data/intents_held_out.tsv), which must never be copied here.
"""

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class DemoIntent:
    name: str
    label: str
    queue: str
    skill: str = ""
    min_proficiency: int = 1
    priority_boost: int = 0
    threshold: float = 0.5
    examples: tuple[str, ...]


DEMO_INTENTS = (
    DemoIntent(
        name="BILLING_DISPUTE",
        label="Billing dispute",
        queue="Billing",
        skill="billing",
        min_proficiency=7,
        priority_boost=5,
        examples=(
            "I have a problem with my bill",
            "my bill is wrong",
            "I was charged twice this month",
            "there is a charge on my bill I don't recognise",
            "why is my bill so high",
            "I want to dispute a charge",
            "you overcharged me",
            "I think there is a mistake on my invoice",
            "I was billed for something I didn't order",
            "my statement shows the wrong amount",
            "I need a refund for an incorrect charge",
            "the amount on my bill doesn't look right",
            "I'm not happy with my bill",
            "this charge shouldn't be there",
            "I've been charged for something that's not mine",
            "I need to query a charge",
            "my bill is more than it should be",
            "you've taken too much money",
            "I want to complain about a charge",
        ),
    ),
    DemoIntent(
        name="PAYMENT",
        label="Payment",
        queue="Billing",
        examples=(
            "I want to pay my bill",
            "I'd like to make a payment",
            "can I update my card details",
            "I need to change my bank details for direct debit",
            "how do I set up a direct debit",
            "my payment was declined",
            "when is my payment due",
            "can I pay over the phone",
            "I want to set up a payment plan",
            "I need to change the date my payment comes out",
            "I want to pay off my balance",
            "I'd like to pay in instalments",
            "can I change how I pay",
            "my direct debit didn't go through",
            "I need to give you new card details",
            "where do I send the money",
        ),
    ),
    DemoIntent(
        name="NEW_SALE",
        label="Buying or upgrading",
        queue="Sales",
        examples=(
            "I'd like to buy a new plan",
            "I want to upgrade my package",
            "what deals do you have at the moment",
            "I'm interested in your broadband offers",
            "can I add another line to my account",
            "how much does the premium plan cost",
            "I want to sign up",
            "I'd like to order a new phone",
            "do you have any offers for new customers",
            "I'm thinking of switching to you",
            "I want a faster package",
            "what's the price of your fibre deal",
            "I'd like to get a contract with you",
            "can I get a discount if I buy more",
            "I want an extra sim card",
            "what products do you sell",
        ),
    ),
    DemoIntent(
        name="CANCEL",
        label="Cancellation",
        queue="Sales",
        priority_boost=3,
        examples=(
            "I want to cancel my contract",
            "I'd like to close my account",
            "how do I end my subscription",
            "I'm leaving, cancel everything",
            "please terminate my service",
            "I want to stop my membership",
            "I'm moving to another provider",
            "can I cancel without a fee",
            "I don't need the service any more",
            "I want to switch to another company",
            "I'd like to leave",
            "please close everything down",
            "I no longer want to be a customer",
            "end my contract",
        ),
    ),
    DemoIntent(
        name="TECH_SUPPORT",
        label="Technical problem",
        queue="Support",
        examples=(
            "my internet is not working",
            "the connection keeps dropping",
            "I can't log in to the app",
            "my router has a red light",
            "the wifi is really slow",
            "I have no signal on my phone",
            "my email isn't working",
            "the website shows an error",
            "I need help setting up my device",
            "my TV box won't turn on",
            "I forgot my password and can't reset it",
            "my broadband isn't working",
            "the internet is down",
            "my wifi keeps disconnecting",
            "I can't get online",
            "the app crashes when I open it",
            "there's a fault on my line",
        ),
    ),
)


@dataclass(frozen=True, kw_only=True)
class DemoArticle:
    title: str
    url: str
    body: str


DEMO_ARTICLES = (
    DemoArticle(
        title="Goodwill credits",
        url="https://help.example.com/billing/goodwill-credit",
        body="Agents with billing skill 7+ may credit up to 20 per year to a customer whose "
        "bill was wrong or who waited too long. Note the credit in the wrap-up.",
    ),
    DemoArticle(
        title="Router lights explained",
        url="https://help.example.com/support/router-lights",
        body="Red: no line. Amber: syncing. Green: connected. Restart, then check the cable.",
    ),
    DemoArticle(
        title="Keeping a customer who wants to leave",
        url="https://help.example.com/sales/retention",
        body="Ask why, then offer the loyalty discount before you cancel anything.",
    ),
)


@dataclass(frozen=True, kw_only=True)
class DemoRule:
    name: str
    text: str
    kind: str = "action"
    intent: str = ""
    keywords: str = ""
    sentiment_at_most: float | None = None
    article: str = ""


DEMO_RULES = (
    DemoRule(
        name="Billing dispute: goodwill credit",
        intent="BILLING_DISPUTE",
        text="Offer goodwill credit",
        article="Goodwill credits",
    ),
    DemoRule(
        name="Upset customer: acknowledge",
        sentiment_at_most=-0.3,
        kind="reply",
        text="I'm sorry about this. I understand how frustrating it is, and I'll sort it out.",
    ),
    DemoRule(
        name="Router lights",
        keywords="red light, router, no connection",
        text="Ask which lights are on; walk them through a restart",
        article="Router lights explained",
    ),
    DemoRule(
        name="Retention offer",
        intent="CANCEL",
        text="Ask why they want to leave, then offer the loyalty discount",
        article="Keeping a customer who wants to leave",
    ),
)


def demo_ai_load(*, queues: dict, skills: dict) -> None:
    """Create or update the demo intents, articles and rules (queues and skills by name).
    Saving an intent retrains the classifier after commit (ai.signals)."""
    # Imported here: bench/ai.py reads the data above without setting Django up.
    from ai.models import AssistRule, Intent, KnowledgeArticle

    intents = {}
    for demo in DEMO_INTENTS:
        intents[demo.name], _ = Intent.objects.update_or_create(
            name=demo.name,
            defaults={
                "label": demo.label,
                "examples": "\n".join(demo.examples),
                "queue": queues[demo.queue],
                "skill": skills[demo.skill] if demo.skill else None,
                "min_proficiency": demo.min_proficiency,
                "priority_boost": demo.priority_boost,
                "threshold": demo.threshold,
                "is_active": True,
            },
        )
    articles = {}
    for article in DEMO_ARTICLES:
        articles[article.title], _ = KnowledgeArticle.objects.update_or_create(
            title=article.title, defaults={"url": article.url, "body": article.body}
        )
    for rule in DEMO_RULES:
        AssistRule.objects.update_or_create(
            name=rule.name,
            defaults={
                "intent": intents[rule.intent] if rule.intent else None,
                "keywords": rule.keywords,
                "sentiment_at_most": rule.sentiment_at_most,
                "kind": rule.kind,
                "text": rule.text,
                "article": articles[rule.article] if rule.article else None,
                "is_active": True,
            },
        )

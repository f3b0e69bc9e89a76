import factory

from routing.models import Queue, Skill


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"skill-{n}")


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Queue

    name = factory.Sequence(lambda n: f"Queue {n}")
    menu_digit = factory.Sequence(lambda n: str(n % 10))

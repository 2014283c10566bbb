"""The live bid board socket: thin; access helpers say who may listen, the database is the record."""

from core.consumers import LiveConsumer, db
from core.realtime import question_group
from questions.access import can_see_question
from questions.models import Question


class BidBoardConsumer(LiveConsumer):
    """/ws/questions/<id>/bids/: the student hears every bid change; a tutor hears about their
    own bid and when the question is taken. Events carry ids only; the page fetches the details
    through the same view (and access rules) as a reload would."""

    handlers = {"ping": "answer_ping"}

    async def authorise(self) -> bool:
        pk = self.scope["url_route"]["kwargs"]["pk"]
        self.question = await db(self._question)(pk)
        return self.question is not None

    def _question(self, pk: int) -> Question | None:
        question = Question.objects.filter(pk=pk).first()
        return question if question is not None and can_see_question(self.user, question) else None

    def stream_groups(self) -> list[str]:
        return [question_group(self.question.pk)]

    async def opening(self) -> None:
        await self.send_json({"type": "ready", "status": self.question.status})

    def sees_every_bid(self) -> bool:
        return self.user.is_staff or self.question.student_id == self.user.pk

    async def bids_changed(self, event) -> None:
        if self.sees_every_bid() or event.get("tutor") == self.user.pk:
            await self.send_json({"type": "bids.changed", "change": event["change"], "bid": event["bid"]})

    async def question_changed(self, event) -> None:
        await self.send_json({"type": "question.changed", "status": event["status"]})

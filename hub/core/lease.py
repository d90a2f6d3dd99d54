"""A named lease in a Mongo collection: one holder at a time across hub replicas.

A holder takes the lease when it is free or expired, renews it while it works and gives it
back when done. A holder that dies loses the lease when ``ttl`` runs out.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from motor.motor_asyncio import AsyncIOMotorCollection
from pymongo.errors import DuplicateKeyError

from hub.core.models import utcnow


class Lease:
    def __init__(self, collection: AsyncIOMotorCollection, name: str, ttl: timedelta):
        self.collection, self.name, self.ttl = collection, name, ttl
        self.holder = uuid.uuid4().hex

    async def acquire(self) -> bool:
        """One try: True when this holder has the lease now."""
        now = utcnow()
        try:
            got = await self.collection.find_one_and_update(
                {"_id": self.name, "$or": [{"until": {"$lt": now}}, {"holder": self.holder}]},
                {"$set": {"holder": self.holder, "until": now + self.ttl, "taken_at": now}},
                upsert=True,
            )
        except DuplicateKeyError:  # held by someone else (the upsert clashed with their document)
            return False
        # SecantusDB may answer None after applying an upsert: check who holds it
        return got is not None or await self.held()

    async def held(self) -> bool:
        return bool(await self.collection.count_documents({"_id": self.name, "holder": self.holder, "until": {"$gt": utcnow()}}))

    async def renew(self) -> None:
        await self.collection.update_one({"_id": self.name, "holder": self.holder}, {"$set": {"until": utcnow() + self.ttl}})

    async def release(self) -> None:
        await self.collection.update_one({"_id": self.name, "holder": self.holder}, {"$set": {"until": utcnow() - timedelta(seconds=1)}})

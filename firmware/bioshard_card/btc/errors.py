# One refusal type for everything the card will not sign. The reason is a short human string
# shown on the panel and returned over RPC; it never contains secrets, only PSBT facts.


class PSBTError(ValueError):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason

    def __str__(self):
        return self.reason

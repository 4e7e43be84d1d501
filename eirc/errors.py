class DomainError(Exception):
    """The one error type services raise. ``message`` is Russian text a
    resident or operator can read; ``field`` names the form field it belongs
    to, when there is one; ``code`` is a stable machine-readable key."""

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None, params: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.params = params or {}

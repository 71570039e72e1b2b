"""Import every model so that Alembic and `create_all` see the whole schema."""

from .accounts.models import (  # noqa: F401
    Area,
    Business,
    ConsentRecord,
    LoginAttempt,
    OneTimeToken,
    Unit,
    UnitHoliday,
    User,
)
from .audit.models import AuditLog  # noqa: F401
from .designs.models import (  # noqa: F401
    DesignFile,
    Handover,
    LabelCheck,
    ProofDecision,
)
from .notifications.models import Notification, OutboxEmail, TrackAttempt  # noqa: F401
from .reports.models import SurveyResponse  # noqa: F401
from .service_requests.models import (  # noqa: F401
    RequestCounter,
    RequestEvent,
    ServiceRequest,
    ServiceType,
)

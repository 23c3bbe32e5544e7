"""Forms for adding and changing volunteers and groups."""

from cvcdesk.ui.forms.group_form import GroupForm
from cvcdesk.ui.forms.volunteer_form import VolunteerForm

__all__ = ["GroupForm", "VolunteerForm"]

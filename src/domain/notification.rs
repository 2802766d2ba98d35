//! The kinds of mail Qalxan sends, and which of them a user may switch off.

use super::string_enum;

string_enum!(
    /// One template per kind (`web/mail/<kind>.<locale>.txt`). The context keys each template
    /// reads are listed in `services::notify`.
    MailKind {
        IncidentCreated => "incident_created",
        ReportReceived => "report_received",
        IncidentAcknowledged => "incident_acknowledged",
        IncidentAssigned => "incident_assigned",
        CommentShared => "comment_shared",
        StatusChanged => "status_changed",
        IncidentShared => "incident_shared",
        TaskAssigned => "task_assigned",
        DeadlineWarning => "deadline_warning",
        DeadlineBreached => "deadline_breached",
    }
);

impl MailKind {
    /// Essential mail cannot be switched off: the duty alert about a new incident, the receipt
    /// that proves a report arrived, and anything that hands someone work or access
    /// (assignment, task, sharing with an agency). Progress news can be.
    pub fn is_essential(self) -> bool {
        !matches!(
            self,
            MailKind::IncidentAcknowledged | MailKind::CommentShared | MailKind::StatusChanged
        )
    }

    pub fn switchable() -> impl Iterator<Item = MailKind> {
        Self::ALL.iter().copied().filter(|k| !k.is_essential())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_news_is_switchable_and_the_rest_is_not() {
        let switchable: Vec<_> = MailKind::switchable().map(MailKind::as_str).collect();
        assert_eq!(
            switchable,
            ["incident_acknowledged", "comment_shared", "status_changed"]
        );
        assert!(MailKind::ReportReceived.is_essential());
        assert_eq!(MailKind::ALL.len(), 10);
        assert!(MailKind::DeadlineBreached.is_essential());
    }
}

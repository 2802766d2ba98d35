# Signing in and out, and the start page.

login-title = Sign in
login-heading = Sign in to Qalxan
login-intro = Use the email address and password of your account.
login-failed = The email address or password is wrong, or the account is deactivated.
login-throttled = Too many failed attempts. Please wait a little and try again.
login-signed-out = You have signed out.
logout-title = Sign out
logout-question = Do you want to end this session?

home-title = Start page
home-welcome = Welcome, { $name }
home-links = Where to go
home-role-admin = You administer users, organisations and settings.
home-role-coordinator = You lead triage: assign incidents, move them through the workflow and share them with agencies.
home-role-responder = You work incidents: analysis, containment, eradication and recovery.
home-role-auditor = You can read everything, including the audit log, and change nothing.
home-role-reporter = You report incidents for your organisation and follow their progress.
home-role-liaison = You see incidents shared with your organisation, up to the shared TLP level.

tlp-heading = Traffic Light Protocol
tlp-intro = Every incident, comment and file carries a TLP label. It says how far you may share it.
tlp-clear = No limit on disclosure.
tlp-green = Within your community, never publicly.
tlp-amber = Within your organisation and its clients, on a need-to-know basis.
tlp-amber-strict = Within your organisation only, on a need-to-know basis.
tlp-red = For the named recipients only.

"""The messages every P2 sender sends: the same subjects, bodies and addresses for each of them.

Plain Python (no Django), so that the comparison environment can import it too.
"""

FROM_ADDRESS = "Inloop <inloop@firm.example>"

SUBJECT = "Your application for {job}: an update"
TEXT = """Hello {first_name},

Thank you for your patience. Your application for the {job} role has moved to the next step: the hiring
team is reading your details this week, and we will tell you what they decide as soon as we hear.

You do not need to do anything for now. If something changes on your side, simply reply to this email.

You can see where each of your applications stands at any time here:
https://inloop.example/status/{number}/

Kind regards,
Sam from the recruiting team
"""
HTML = """<p>Hello {first_name},</p>
<p>Thank you for your patience. Your application for the <strong>{job}</strong> role has moved to the next
step: the hiring team is reading your details this week, and we will tell you what they decide as soon as
we hear.</p>
<p>You do not need to do anything for now. If something changes on your side, simply reply to this email.</p>
<p><a href="https://inloop.example/status/{number}/">See where each of your applications stands</a></p>
<p>Kind regards,<br>Sam from the recruiting team</p>
"""
FIRST_NAMES = ("Avery", "Jordan", "Riley", "Morgan", "Quinn", "Rowan", "Emerson", "Sasha", "Noor", "Kai")
JOBS = ("Marketing Manager", "Payroll Specialist", "Data Analyst", "Site Supervisor", "Account Executive")


def sample_message(number: int) -> dict[str, str]:
    """Message `number`: subject, text and HTML bodies, and the recipient's address."""
    fields = {"first_name": FIRST_NAMES[number % len(FIRST_NAMES)], "job": JOBS[number % len(JOBS)], "number": number}
    return {
        "to": f"candidate{number}@mail.example",
        "first_name": fields["first_name"],
        "job": fields["job"],
        "subject": SUBJECT.format(**fields),
        "text": TEXT.format(**fields),
        "html": HTML.format(**fields),
    }

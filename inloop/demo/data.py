"""What the demo firm is made of: its people, clients, jobs and candidates' names, and the words they use.

The story itself (who arrives when, what clients answer, who replies) is drawn from the seeded random
generator in inloop.demo.people; everything here is fixed.
"""

from recruiting.models import Role, Stage

DEMO_USERNAME = "demo"
ADMIN_USERNAME = "admin"
# Local demo only: `seed_demo` prints it, and production never loads demo data.
DEMO_PASSWORD = "keep-them-posted"  # noqa: S105
DEMO_MARKER_ACTION = "demo.load"
DEMO_FIRM_NAME = "Harbourside Staffing"
SEED = 20260514
CANDIDATE_COUNT = 200
HISTORY_DAYS = 60

TEAMS = ("Technology & Finance", "Operations & Care")
# (username, first name, last name, role, team index)
STAFF = (
    (DEMO_USERNAME, "Robin", "Castell", Role.RECRUITER, 0),
    ("amara", "Amara", "Nwachukwu", Role.RECRUITER, 0),
    ("diego", "Diego", "Villaseñor", Role.RECRUITER, 1),
    ("lead", "Tomasz", "Wierzbicki", Role.TEAM_LEAD, 0),
)
RECRUITERS = (DEMO_USERNAME, "amara", "diego")

# (name, industry, may candidates see the name before submission)
CLIENTS = (
    ("Alderbank Ledger Co.", "fintech", False),
    ("Corvane Community Health", "healthcare", True),
    ("Peregrine Freightways", "logistics", False),
    ("Lumen & Loom Outfitters", "retail", True),
    ("Saltmarsh Tidal Power", "renewable energy", False),
    ("Kestrelworks Studio", "software", True),
)
# (client index, title, location)
JOBS = (
    (0, "Payments Backend Engineer", "Leeds"),
    (0, "Financial Controller", "Leeds"),
    (0, "Compliance Analyst", "Remote (UK)"),
    (0, "Customer Support Lead", "Manchester"),
    (1, "Community Nurse", "Bristol"),
    (1, "Clinic Receptionist", "Bristol"),
    (1, "Healthcare Assistant", "Bath"),
    (2, "Warehouse Shift Supervisor", "Daventry"),
    (2, "Transport Planner", "Daventry"),
    (2, "HGV Driver, Class 1", "Felixstowe"),
    (2, "Fleet Maintenance Technician", "Felixstowe"),
    (3, "Store Manager", "Glasgow"),
    (3, "Visual Merchandiser", "Edinburgh"),
    (3, "E-commerce Coordinator", "Remote (UK)"),
    (4, "Site Electrician", "Aberdeen"),
    (4, "Project Engineer, Offshore", "Aberdeen"),
    (4, "Health and Safety Advisor", "Inverness"),
    (5, "Frontend Developer", "Remote (Europe)"),
    (5, "Product Designer", "London"),
    (5, "QA Engineer", "London"),
)
ON_HOLD_JOBS = (10, 16)

FIRST_NAMES = (
    "Aisha",
    "Oluwaseun",
    "Mei",
    "Santiago",
    "Freya",
    "Arjun",
    "Zainab",
    "Mateo",
    "Ingrid",
    "Kwame",
    "Sofía",
    "Hiroshi",
    "Niamh",
    "Tariq",
    "Leilani",
    "Dmitri",
    "Chloé",
    "Emeka",
    "Anjali",
    "Björn",
    "Yasmin",
    "Tomás",
    "Aroha",
    "Farhan",
    "Marguerite",
    "Kofi",
    "Ewa",
    "Rafael",
    "Siobhán",
    "Jun",
    "Amina",
    "Lars",
    "Priyanka",
    "Callum",
    "Nadia",
    "Haruto",
    "Esperanza",
    "Idris",
    "Maja",
    "Thabo",
    "Lucía",
    "Rowan",
    "Fatima",
    "Kieran",
    "Ayesha",
    "Henrik",
    "Ngozi",
    "Matteo",
    "Soo-ah",
    "Declan",
    "Imani",
    "Aleksander",
    "Zoë",
    "Bilal",
    "Catalina",
    "Oisín",
    "Rania",
    "Elif",
    "Jakub",
    "Keziah",
    "Nikhil",
    "Ama",
    "Giulia",
    "Reuben",
    "Xiaoling",
    "Malik",
    "Astrid",
    "Chidi",
    "Paloma",
    "Samir",
)
LAST_NAMES = (
    "Adeyemi",
    "Okonkwo",
    "Chen",
    "Moreno",
    "Lindqvist",
    "Patel",
    "Haddad",
    "Fernández",
    "Kowalczyk",
    "Mensah",
    "O'Sullivan",
    "Tanaka",
    "Nakamura",
    "Rahman",
    "Kealoha",
    "Volkov",
    "Dubois",
    "Eze",
    "Iyer",
    "Johansson",
    "Karimi",
    "Silva",
    "Ngata",
    "Chowdhury",
    "Lefèvre",
    "Asante",
    "Nowak",
    "Costa",
    "Gallagher",
    "Park",
    "Abdullahi",
    "Berg",
    "Sharma",
    "MacLeod",
    "Petrova",
    "Sato",
    "Quispe",
    "Bello",
    "Novák",
    "Dlamini",
    "Romero",
    "Whitfield",
    "Hussain",
    "Brennan",
    "Siddiqui",
    "Andersen",
    "Obi",
    "Ricci",
    "Kim",
    "Doherty",
    "Mwangi",
    "Zielinski",
    "Hartley",
    "Qureshi",
    "Rojas",
    "Ní Bhriain",
    "Khalil",
    "Yılmaz",
    "Horvath",
    "Ramsay",
    "Menon",
    "Boateng",
    "Esposito",
    "Achterberg",
    "Liu",
    "Farouk",
    "Halvorsen",
    "Nwosu",
    "Ortega",
    "Bakr",
)
TIME_ZONES = (
    ("Europe/London", 60),
    ("Europe/Dublin", 6),
    ("Europe/Berlin", 6),
    ("Europe/Madrid", 5),
    ("Europe/Warsaw", 5),
    ("America/New_York", 4),
    ("America/Toronto", 3),
    ("Africa/Lagos", 4),
    ("Asia/Kolkata", 4),
    ("Asia/Manila", 2),
    ("Australia/Sydney", 1),
)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

CONTACT_NOTES = {
    Stage.NEW: ("Called to say we have their application and what happens next.",),
    Stage.SCREENING: (
        "Screening call: went through experience, notice period and salary expectations.",
        "Emailed to book a screening call.",
    ),
    Stage.SUBMITTED: (
        "Told them their profile has gone to the client and when to expect a reply.",
        "Call: explained the client's process and likely timing.",
    ),
    Stage.INTERVIEWING: (
        "Prepared them for the client interview: format, panel, what to bring.",
        "Debrief call after the interview; they were positive about the team.",
    ),
    Stage.OFFER: ("Walked through the offer and the start date.",),
    Stage.PLACED: ("Congratulated them and confirmed the first-day details.",),
    Stage.REJECTED: ("Called to explain the decision and what the client said.",),
    Stage.WITHDRAWN: ("Confirmed their withdrawal and wished them well.",),
}
CHECK_IN_NOTES = (
    "Quick call: no news from the client yet, promised to chase.",
    "Emailed an update: the client is still reviewing profiles.",
    "Left a voicemail and followed up by email with where things stand.",
)
MOVE_NOTES = {
    Stage.SCREENING: "Strong CV for the role.",
    Stage.SUBMITTED: "Sent to the client with a short summary.",
    Stage.INTERVIEWING: "Client asked to meet them.",
    Stage.OFFER: "Client is preparing an offer.",
    Stage.PLACED: "Accepted the offer.",
    Stage.REJECTED: "Not the right fit for this role.",
    Stage.WITHDRAWN: "Candidate withdrew.",
}
DO_NOT_CONTACT_REASONS = (
    "Asked on the phone to be removed from all contact.",
    "Has taken a permanent role elsewhere and asked us not to get in touch.",
    "Asked by email that we stop contacting them.",
)
# (month, day, name): the office is closed between the years.
HOLIDAYS = ((12, 25, "Office closed"), (12, 26, "Office closed"), (1, 1, "New Year's Day"))

DO_NOT_CONTACT_COUNT = 9
PAUSED_COUNT = 6
# The demo login should open on a morning with work to do.
DEMO_OVERDUE_MINIMUM = 6
# Emails that came back to the demo login's candidates (a reply owed each); our own words.
DEMO_REPLIES = (
    "Thank you for the news. Could you tell me who I would meet at the second interview?",
    "I am away next week with little signal. Is a call on Friday morning still possible?",
    "I have had another offer with a deadline on Monday. Is there any sign of a decision before then?",
)


# Default automated email per stage entry (docs/rules.md#rejection-by-depth and docs/rules.md#no-surprise: rejections
# held longest).
STAGE_TEMPLATES = {
    Stage.NEW: "acknowledgment",
    Stage.SCREENING: "screening",
    Stage.SUBMITTED: "submitted",
    Stage.INTERVIEWING: "interviewing",
    Stage.OFFER: "offer",
    Stage.PLACED: "placed",
    Stage.REJECTED: "rejection_early",
    Stage.WITHDRAWN: "withdrawal",
}

# Per demo client (by index in CLIENTS): its hiring managers as (name, mailbox, time zone, do not email).
MANAGERS = (
    (("Priya Castellane", "priya.castellane", "Europe/London", False),),
    (("Tomasz Rydell", "t.rydell", "Europe/London", False), ("Helen Okoro", "h.okoro", "Europe/London", True)),
    (("Marguerite Vos", "m.vos", "Europe/Amsterdam", False),),
    (("Jonah Ellery", "jonah", "Europe/London", False), ("Sade Whitcombe", "sade", "Europe/London", False)),
    (("Ravi Anand", "ravi.anand", "Asia/Kolkata", False),),
    (("Clara Brandt", "clara", "America/New_York", False),),
)
# Clients whose managers answer within a day or two; the others wait to be chased and take most of a week.
QUICK_CLIENTS = frozenset({1, 3, 5})
# What candidates write back to our emails (a reply owed each), in our own words.
CANDIDATE_REPLIES = (
    "Thanks for letting me know. Is there anything I should prepare in the meantime?",
    "Good to hear from you. I am free most afternoons this week if a call helps.",
    "Could you tell me roughly when the client expects to decide?",
    "Thank you. I have changed my notice period to two weeks, in case that matters.",
    "Many thanks for the update, that is reassuring.",
    "Is the salary range for this role still the one we discussed?",
)
OUT_OF_OFFICE = "I am out of the office until Monday with limited access to email. I will reply when I am back."
# What hiring managers write when they answer a chase by email instead of following its link.
CLIENT_EMAIL_ANSWERS = (
    "Sorry for the delay. We liked this profile and would like to set up an interview next week.",
    "Thanks for the reminder. We will not take this one further: others are closer to what the team needs.",
)
# What recruiters write when they answer a candidate's email themselves.
REPLY_ANSWERS = (
    "Thank you for your message. I have passed this on and will come back to you as soon as I hear more.",
    "Good question: I will check with the client today and let you know.",
    "Thanks for telling me. Nothing to prepare for now; I will be in touch with the next step.",
)

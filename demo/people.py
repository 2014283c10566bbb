"""Demo people: believable names and phone numbers, mostly Nigerian, some living abroad."""

import random
from dataclasses import dataclass

import phonenumbers
from django.core.management.base import CommandError

# (given names, surnames) per naming tradition.
NIGERIAN_NAMES = {
    "yoruba": (
        [
            "Adebayo",
            "Adewale",
            "Ayodele",
            "Bolanle",
            "Damilola",
            "Folake",
            "Funmilayo",
            "Kehinde",
            "Olamide",
            "Oluwaseun",
            "Temitope",
            "Tolulope",
            "Yetunde",
            "Babatunde",
            "Omolara",
            "Segun",
            "Titilayo",
            "Ibukun",
        ],
        [
            "Adeyemi",
            "Ogunleye",
            "Olawale",
            "Afolabi",
            "Oyelaran",
            "Adeleke",
            "Balogun",
            "Ogunbiyi",
            "Oladipo",
            "Akinola",
            "Fashola",
            "Odukoya",
            "Oyinlola",
            "Adesanya",
        ],
    ),
    "igbo": (
        [
            "Chinedu",
            "Chiamaka",
            "Ngozi",
            "Emeka",
            "Obinna",
            "Adaeze",
            "Ifeoma",
            "Chukwuemeka",
            "Nnamdi",
            "Uchenna",
            "Amarachi",
            "Kelechi",
            "Chidinma",
            "Ikenna",
            "Ebuka",
            "Nkechi",
        ],
        [
            "Okonkwo",
            "Eze",
            "Nwosu",
            "Okafor",
            "Obi",
            "Nwachukwu",
            "Okeke",
            "Uzor",
            "Anyanwu",
            "Ibe",
            "Chukwu",
            "Nnaji",
            "Ogbonna",
            "Onyekwere",
        ],
    ),
    "hausa": (
        [
            "Abubakar",
            "Aisha",
            "Fatima",
            "Ibrahim",
            "Hauwa",
            "Musa",
            "Zainab",
            "Yusuf",
            "Amina",
            "Sani",
            "Halima",
            "Usman",
            "Maryam",
            "Bashir",
            "Hadiza",
            "Aliyu",
        ],
        [
            "Bello",
            "Abdullahi",
            "Garba",
            "Danjuma",
            "Lawal",
            "Sule",
            "Aminu",
            "Bala",
            "Yakubu",
            "Shehu",
            "Idris",
            "Suleiman",
            "Tanko",
            "Mohammed",
        ],
    ),
    "south_south": (
        [
            "Efosa",
            "Osaze",
            "Ese",
            "Tamuno",
            "Ebiere",
            "Itohan",
            "Edidiong",
            "Eno",
            "Ufuoma",
            "Oghenekaro",
            "Aniekan",
            "Ekaette",
        ],
        ["Osagie", "Igbinedion", "Etim", "Bassey", "Ekpo", "Okon", "Omoregie", "Tonye", "Briggs", "Akpan"],
    ),
}
INTERNATIONAL_NAMES = {
    "british": (
        ["Oliver", "Amelia", "Harry", "Charlotte", "George", "Emily", "James", "Sophie"],
        ["Smith", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Hughes", "Clarke"],
    ),
    "american": (
        ["Michael", "Jessica", "David", "Ashley", "Daniel", "Sarah", "Chris", "Megan"],
        ["Johnson", "Williams", "Miller", "Davis", "Garcia", "Martinez", "Anderson", "Moore"],
    ),
    "east_asian": (
        ["Wei", "Mei", "Jun", "Hiroshi", "Yuki", "Min-jun"],
        ["Chen", "Wang", "Zhang", "Liu", "Tanaka", "Kim"],
    ),
    "south_asian": (
        ["Priya", "Arjun", "Anjali", "Rahul", "Imran", "Sana"],
        ["Patel", "Sharma", "Singh", "Khan", "Iyer"],
    ),
    "ghanaian": (["Kwame", "Ama", "Kofi", "Akosua", "Yaw", "Abena"], ["Mensah", "Asante", "Owusu", "Boateng", "Osei"]),
}
NIGERIAN_SHARE = 0.8  # most users of a Nigerian marketplace are Nigerian...
DIASPORA_SHARE = 0.1  # ...and some of them live abroad, with a UK or US number

# MTN, Glo, Airtel and 9mobile prefixes. Nigeria reserves no numbers for fiction, so these are random
# mobile numbers; demo accounts never verify them.
NIGERIAN_PREFIXES = ["803", "806", "703", "706", "813", "816", "810", "814", "903", "906", "913", "916", "704"]
NIGERIAN_PREFIXES += ["805", "807", "705", "815", "811", "905", "915"]
NIGERIAN_PREFIXES += ["802", "808", "708", "812", "701", "902", "901", "904", "907", "912"]
NIGERIAN_PREFIXES += ["809", "818", "817", "909", "908"]
# Ranges Ofcom keeps for drama (020 7946 0xxx, ...). Its mobile one, 07700 900xxx, would be the obvious
# pick, but libphonenumber calls it invalid, and so would the phone field.
UK_FICTIONAL_PREFIXES = ["+442079460", "+441134960", "+441614960"]
# 555-0100 to 555-0199 is the North American range kept for fiction; Toronto (416) is in it too.
NANP_AREA_CODES = ["212", "202", "312", "415", "617", "713", "404", "416"]


@dataclass(frozen=True)
class Persona:
    full_name: str
    phone: str
    abroad: bool  # lives outside Nigeria: foreign number, international curriculum


def nigerian_phone(rng: random.Random) -> str:
    return f"+234{rng.choice(NIGERIAN_PREFIXES)}{rng.randrange(10**7):07d}"


def international_phone(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{rng.choice(UK_FICTIONAL_PREFIXES)}{rng.randrange(1000):03d}"
    return f"+1{rng.choice(NANP_AREA_CODES)}55501{rng.randrange(100):02d}"


def checked_phone(number: str) -> str:
    # The tables above are the only source of numbers; fail loudly if one of them goes stale.
    if not phonenumbers.is_valid_number(phonenumbers.parse(number)):
        raise CommandError(f"Generated an invalid phone number {number}: fix the tables in demo/people.py.")
    return number


def make_persona(rng: random.Random) -> Persona:
    if rng.random() < NIGERIAN_SHARE:
        given, surnames = NIGERIAN_NAMES[rng.choice(list(NIGERIAN_NAMES))]
        abroad = rng.random() < DIASPORA_SHARE
    else:
        given, surnames = INTERNATIONAL_NAMES[rng.choice(list(INTERNATIONAL_NAMES))]
        abroad = True
    phone = international_phone(rng) if abroad else nigerian_phone(rng)
    return Persona(f"{rng.choice(given)} {rng.choice(surnames)}", checked_phone(phone), abroad)

"""Words the rules share, and the guards that drop a match in the wrong context."""

from __future__ import annotations

import re
from typing import Final

PEOPLE: Final = (
    r"(?:mum|mam|mom|mummy|mother|dad|daddy|father|husband|wife|partner|son|daughter|child|"
    r"baby|kid|boy|girl|nan|nana|nanna|nanny|gran|granny|grandma|grandmother|grandad|granddad|"
    r"grandpa|grandfather|brother|sister|aunt|auntie|aunty|uncle|cousin|niece|nephew|"
    r"neighbour|neighbor|friend|flatmate|lodger|carer|someone|somebody|man|woman|lady|"
    r"gentleman|person|patient|client|resident|stepdad|stepmum)s?"
)
# Apostrophes are dropped before matching, so "he's" is "hes" and "I've" is "ive".
_THIRD_PERSON_WORDS: Final = rf"he|hes|she|shes|they|theyre|theyve|{PEOPLE}"
THIRD_PERSON: Final = rf"\b(?:{_THIRD_PERSON_WORDS})"
SUBJECT: Final = rf"\b(?:i|im|ive|we|weve|{_THIRD_PERSON_WORDS})"
AUX: Final = r"(?: (?:has|have|had|is|am|are|was|were|just|been|also|then|now|again|really)){0,3}"
# Someone who might hurt the person writing: anyone but the writer.
ASSAILANT: Final = (
    rf"\b(?:he|hes|hell|she|shes|shell|they|theyre|theyll|{PEOPLE}|ex|guy|bloke|lad|"
    r"boyfriend|girlfriend|landlord|men|gang|people|intruder)"
)
CANT: Final = r"(?:cant|carnt|cnt|cannot|can not|unable to|not able to|struggling to|struggles to)"
GET_UP: Final = (
    r"(?:get|stand|pick|lift|getting|standing)(?: myself| him| her| them| herself| himself)?"
    r"(?: back)? up"
    r"(?! (?:to|the|in|early|at|for|before|on time))"
)
PILLS: Final = (
    r"(?:pills|tablets|paracetamol|painkillers|meds|medication|medicine|antidepressants|"
    r"insulin|sleeping (?:pills|tablets))"
)
# Words that make "fire" a thing in the building rather than a blaze ("fire door is broken").
FIRE: Final = (
    r"\bfire\b(?! (?:door|doors|alarm|alarms|exit|exits|safety|extinguisher|blanket|risk|hazard|"
    r"escape|place|brigade|service|check|inspection|officer|drill|works|wood|fighter|fighters|"
    r"proof|wall|station|guard|surround|box|regulations|regs))"
)
# Likewise "blood" as a modifier: "a lot of blood tests" is not a haemorrhage.
BLOOD: Final = (
    r"\bblood\b(?! (?:test|tests|pressure|sugar|sugars|result|results|donor|donation|work|"
    r"count|bank|type|group|clot|clots|thinner|thinners|sample|samples))"
)
OBJECT: Final = rf"(?:me|us|him|her|them|my {PEOPLE})"

# --- Guards. ----------------------------------------------------------------------------------

NEGATORS: Final = frozenset(
    {"not", "no", "never", "isnt", "wasnt", "arent", "dont", "doesnt", "didnt", "hasnt"}
    | {"havent", "without", "nothing", "none", "nobody", "noone"}
)
# Uncertainty is not a hypothetical: "she might be having a fit" must still alert.
HYPOTHETICALS: Final = frozenset({"if", "case", "incase", "whether", "prevent", "avoid", "risk"})
WINDOW_WORDS: Final = 3

# A story told of others: "a film about a suicide" is not the person's own danger.
_STORY: Final = (
    r"on (?:the )?(?:telly|tv|news|radio)|documentary|film|movie|programme|eastenders|corrie|"
    r"emmerdale|hollyoaks"
)
STORY: Final = re.compile(rf"\b(?:{_STORY})\b")
# Dates an event into the past; "days ago" is left out on purpose, as that may still need help.
HISTORY: Final = re.compile(
    r"\b(?:last (?:year|month|week|winter|summer|spring|autumn|christmas)|"
    r"(?:years?|months?|weeks?|ages|a while|a long time|some time) ago|a while back|"
    r"in the past|previously|history of|used to|in (?:19|20)[0-9][0-9]|"
    r"in (?:january|february|march|april|june|july|august|september|october|november|december)|"
    rf"{_STORY}|"
    r"(?:since|after) (?:(?:my|his|her|their|the|a|that) (?:fall|stroke|heart attack|seizure|"
    r"overdose|accident|operation)|(?:i|he|she|they|we|mum|dad) (?:fell|had)))\b"
)
# An event told as over: "he collapsed after his shift, he's fine" explains, it does not ask.
RESOLVED: Final = re.compile(
    r"\b(?:(?:hes|shes|theyre|everyones|everybodys|everything is|its all|all) fine\b(?! but)|"
    r"(?<!not )(?<!isnt )(?<!arent )(?:fine|ok|okay|alright|all right|better) now\b(?! but)|"
    r"put it out|nobody (?:was )?hurt|"
    r"no one (?:was )?hurt|nobodys hurt)"
)
# A stuffy flat takes the breath away in a manner of speaking: "can't breathe in here, it's so
# stuffy, could we have a fan" asks for a repair.
STUFFY: Final = re.compile(r"\b(?:stuffy|muggy|humid|airless|fans?|air con(?:ditioning)?)\b")
# Smoke from someone smoking is a neighbour complaint, not a fire.
TOBACCO: Final = re.compile(
    r"\b(?:smoking|smokes|smoker|smokers|cigarettes?|fags?|cannabis|weed|skunk|vape|vaping|"
    r"bbq|barbecue|incense)\b"
)

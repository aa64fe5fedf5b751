"""The detector's rules, in the order they win: each names a kind of alert and its patterns.

Which alert wins when several match:

1. An overdose that has been taken is EMERGENCY, ahead of everything, suicidal or not: the
   body is already in danger and 999 is the answer.
2. Suicide and self-harm come next as SUICIDE, ahead of every other emergency, because that
   reply already says 999 for danger now and also gives the Samaritans number.
3. Then the other life-threatening signals as EMERGENCY, the gravest first.
4. URGENT (111) last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from handlers.safeguarding.alerts import AlertKind
from handlers.safeguarding.vocabulary import (
    ASSAILANT,
    AUX,
    BLOOD,
    CANT,
    FIRE,
    GET_UP,
    OBJECT,
    PEOPLE,
    PILLS,
    STUFFY,
    SUBJECT,
    THIRD_PERSON,
    TOBACCO,
)


@dataclass(frozen=True)
class Rule:
    kind: AlertKind
    signal: str
    pattern: re.Pattern[str]
    # Only for events people often recount from long ago.
    recent_only: bool = False
    # Suicide rules switch this off: a denial or an "if" is still worth the Samaritans number.
    guarded: bool = True
    veto: re.Pattern[str] | None = None


def _rules(
    kind: AlertKind,
    signal: str,
    *patterns: str,
    recent_only: bool = False,
    guarded: bool = True,
    veto: re.Pattern[str] | None = None,
) -> tuple[Rule, ...]:
    return tuple(
        Rule(kind, signal, re.compile(pattern), recent_only, guarded, veto) for pattern in patterns
    )


_E = AlertKind.EMERGENCY
_S = AlertKind.SUICIDE
_U = AlertKind.URGENT

# In the order they win (see the module docstring).  Gaps between words are bounded character
# classes, never nested quantifiers, so matching stays linear in the length of a sentence.
RULES: Final[tuple[Rule, ...]] = (
    *_rules(
        _E,
        "overdose",
        r"\boverdo[sz]ed\b",
        r"\b(?:is|am|are|im|hes|shes|theyre|been) overdo[sz]ing\b",
        r"\b(?:took|taken|had|swallowed|done|necked) (?:an|a massive|a big|another) overdo[sz]e\b",
        rf"\b(?:took|taken|swallowed|had|necked|downed) (?:way |far )?too many\b[^.!?]{{0,25}}"
        rf"\b{PILLS}\b",
        r"\b(?:took|taken|swallowed|necked|downed)[^.!?,]{0,12}\b(?:a|the) (?:whole|full|entire) "
        r"(?:box|bottle|packet|pack|strip|tub|load)",
        rf"\b(?:took|taken|swallowed|necked|downed) (?:loads|lots|a load|a lot|handfuls|"
        rf"a handful|boxes|bottles|packets) of\b[^.!?,]{{0,20}}\b{PILLS}\b",
        rf"\b(?:took|taken|swallowed|necked|downed) (?:about |around |over |like )?(?:[2-9][0-9]|"
        rf"[1-9][0-9][0-9]|twenty|thirty|forty|fifty) {PILLS}\b",
        rf"\b(?:took|taken|swallowed) all (?:of )?(?:my|his|her|their|the) {PILLS} "
        r"(?:at once|in one go|together)",
        recent_only=True,
    ),
    *_rules(
        _S,
        "suicide",
        # A course or a campaign is the topic of the word, not the writer's intent.
        r"\bsui?cid(?:e|al)\b(?! (?:prevention|awareness|training|course|statistics|rates?)\b)",
        r"\bkill(?:ing|ed)? (?:my ?self|herself|himself)\b",
        r"\bend(?:ing)? (?:it all|my life|my own life|things|it tonight)\b",
        r"\btak(?:e|ing) (?:my|his|her) (?:own )?life\b",
        r"\b(?:dont|do not|no longer|dont really|didnt|did not) (?:want|wanna|want to|wish to)"
        r"(?: to)? (?:live\b(?! (?:here|there|in|with|near|next|on|at|by|above|below|under|"
        r"somewhere|anywhere|alone|like))|be alive|exist|be here any ?more|"
        r"wake up\b(?! (?:early|at|before|the)))",
        r"\b(?:want|wanna|wanting|going|gonna|ready|wish i could|rather) (?:to )?die\b"
        r"(?! (?:my|her|his|the|it|them))",
        r"\bwish i (?:was|were|could be) dead\b",
        r"\bwish i (?:wasnt|werent|was not|had never been|hadnt been) (?:here|alive|born)\b",
        r"\bbetter off (?:dead|without me)\b",
        r"\b(?:no (?:reason|point) (?:to live|in living|living|to go on|going on)|"
        r"nothing (?:left )?to live for)\b",
        r"\bcant go on any ?(?:more|longer)\b",
        r"\b(?:going to|gonna|want to|wanna|thinking (?:of|about)|might|will|planning to|"
        r"tempted to) (?:just )?(?:take an overdo[sz]e|overdo[sz]e|overdo[sz]ing|"
        rf"taking an overdo[sz]e|take all (?:of )?(?:my|the) {PILLS})\b",
        guarded=False,
    ),
    *_rules(
        _S,
        "self_harm",
        r"\bself ?harm",
        r"\bharm(?:ing|ed)? (?:my ?self|herself|himself)\b",
        r"\b(?:cutting|burning|hurting|starving) (?:my ?self|herself|himself)\b(?! some)",
        r"\b(?:want|wants|wanting|wanna|going|gonna|urge|urges|tempted|feel like|"
        r"thinking (?:of|about)|might|ill|scared ill|afraid ill|worried ill)(?: to)? "
        r"(?:hurt|harm|cut|burn) (?:my ?self|herself|himself)\b",
        r"\bcut (?:my ?self|herself|himself) (?:again|on purpose|deliberately)\b",
        r"\b(?:slit|slash|slashed|cut|cutting) (?:my|his|her) (?:wrists?|arms)\b",
        guarded=False,
    ),
    *_rules(
        _E,
        "unconscious",
        r"\bun(?:c|s|sc)on(?:s|sc|c)ious\b(?! bias)",
        r"\bunresponsive\b",
        r"\b(?:out cold|no pulse|lifeless)\b",
        # "Not responding to my emails" and "not moving out" are about something else; and
        # whoever is writing is awake.
        rf"{THIRD_PERSON}{AUX} (?:(?:not|isnt|is not|hasnt|has not) "
        r"(?:moving|responding|waking up|woken up)|"
        r"(?:wont|will not|cant|cannot) (?:wake up|wake(?! up)|respond))"
        r"\b(?! (?:to (?:my|our|the|any|his|her|their)|out|in|into|away|forward|on|house|home|"
        r"flat)\b)",
        rf"\b{CANT} (?:wake|rouse) (?:him|her|them|{PEOPLE}|my {PEOPLE})\b",
        rf"{THIRD_PERSON}{AUX} (?:been )?knocked out\b",
        r"\b(?:think|thinks|might|could|maybe|worried|scared|afraid)[^.!?,]{0,20}"
        rf"{THIRD_PERSON}(?: has| is| might have| might be)? (?:died|dead)\b",
    ),
    *_rules(
        _E,
        "breathing",
        rf"\b{CANT} (?:breathe?|breathing|catch (?:my|his|her|their) breath|"
        r"get (?:my|his|her|their|a) breath|get (?:any )?air)\b",
        veto=STUFFY,
    ),
    *_rules(
        _E,
        "breathing",
        r"\b(?:struggling|struggles|struggle|fighting|battling|gasping) (?:to breathe?|"
        r"for (?:breath|air)|to get (?:his|her|my|their) breath)\b",
        r"\b(?:not|isnt|stopped|stop|no longer|hardly|barely) breathing\b",
        r"\b(?:trouble|difficulty|struggling) breathing\b",
        # A first-aid lesson about choking, or a child's cough, is not someone choking now.
        r"(?<!about )\bchoking\b(?! (?:me|us|her|him|the|hazard|on (?:his|her|my|their) cough))",
        r"\b(?:turning|turned|gone|going) blue\b",
        r"\blips (?:are |have )?(?:gone |turned |going )?blue\b",
    ),
    *_rules(
        _E,
        "fire",
        r"\b(?:on fire|caught fire|catching fire|in flames|ablaze|(?:is|are|set|was) alight)\b",
        r"\b(?:flames|fire) (?:coming|pouring|spreading|everywhere|out of)\b",
        r"\b(?:theres|there is|theres been|there has been|weve got|we have|ive got|got) "
        rf"a (?:big |small |massive |huge |little |kitchen |chip pan |house )?{FIRE}",
        rf"\b(?:chip pan|pan|kitchen|house|flat|electrical|cooker|oven|bin|sofa) {FIRE}",
        r"(?<!the )(?<!my )(?<!our )(?<!his )(?<!her )(?<!gas )(?<!electric )(?<!coal )"
        rf"(?<!log )(?<!open )(?<!real ){FIRE} (?:in|on|at|upstairs|downstairs|next door)\b",
        rf"(?:^|, )(?:help,? )?{FIRE}(?: fire)*(?:,|$)",
        r"\b(?:kitchen|flat|house|home|room|bedroom|building|block|cooker|oven|pan|sofa|bed|"
        r"curtains|microwave|toaster|heater|socket|plug|tv|dryer|fridge|shed|garage) "
        r"(?:is |are )?(?:burning|alight)\b",
        recent_only=True,
    ),
    *_rules(
        _E,
        "smoke",
        r"\b(?:full of|filling (?:up )?with|filled (?:up )?with|thick|black|lots of|so much|"
        r"loads of|a lot of|clouds? of|billowing|pouring) smoke\b",
        r"\bsmoke (?:is )?(?:coming|pouring|billowing|everywhere|filling|in the|in my|in our|"
        r"under|through)\b",
        r"\b(?:smell(?:s|ing|ed)?|smelt) (?:of )?(?:smoke|burning)\b",
        r"\b(?:something (?:is )?burning|burning smell|smoky|smokey)\b",
        veto=TOBACCO,
    ),
    *_rules(
        _E,
        "gas",
        r"\b(?:smell(?:s|ing|ed)?|smelt) (?:of |like )?gas\b",
        r"\bgas smell\b",
        r"\bgas (?:is )?(?:leak|leaking|escape|escaping)\b",
        r"\bleaking gas\b",
        r"\bcarbon monoxide poisoning\b",
        recent_only=True,
    ),
    *_rules(
        _E,
        "gas",
        r"\b(?:carbon monoxide|co) (?:alarm|detector) (?:is |keeps )?(?:going off|sounding|"
        r"went off)\b",
        recent_only=True,
        # An alarm sounding for its own battery is not carbon monoxide; the concept rules ask.
        veto=re.compile(r"\bbatter(?:y|ies)\b|\bchirp"),
    ),
    *_rules(
        _E,
        "violence",
        rf"{ASSAILANT}{AUX} (?:hit|hitting|hits|punched|punching|kicked|kicking|beat|beating|"
        r"beaten|slapped|slapping|attacked|attacking|assaulted|strangled|strangling|choked|"
        r"choking|stabbed|stabbing|battered|battering|pushed|shoved|grabbed|hurt|hurting|"
        rf"headbutted|bit) {OBJECT}\b(?! up| with (?!(?:a |an |the |his |her )?(?:knife|bat|"
        r"stick|bottle|hammer|belt|chair|weapon|brick|pan|iron|fist)))",
        r"\bbeing (?:attacked|beaten|assaulted|stabbed|strangled|mugged|punched|choked|"
        r"battered)\b",
        r"\b(?:i|we|he|she|im|ive|weve) (?:was |were |been |just |have been |has been )?"
        r"(?:attacked|assaulted|stabbed|mugged|beaten up)\b",
        rf"\bthreat(?:ening|ened|ens)?(?: {OBJECT})? with (?:a |an |his |her )?(?:knife|gun|"
        r"weapon|machete|bat|hammer|blade|axe)\b",
        r"\b(?:threatening|threatened|threatens|trying|tried|hell|shell|theyll|he will|she will|"
        r"says hell|said hell|says shell|"
        rf"said shell|says theyll|said theyd) (?:to )?(?:kill|hurt|stab|hit|beat up|beat) "
        rf"{OBJECT}\b",
        r"\b(?:got|has|holding|waving|pulled|pulling|brandishing|carrying) (?:a |an )?"
        r"(?:knife|gun|machete|weapon|blade|axe)\b(?! (?:block|drawer|set|and fork|crime))",
        recent_only=True,
    ),
    *_rules(
        _E,
        "break_in",
        r"\bbreaking in(?:to)?\b",
        r"\b(?:trying|tried|try|about|going) to (?:break in|force (?:the|my|our|their) "
        r"(?:door|window|way in)|kick (?:the|my|our) door|smash (?:the|my|our) "
        r"(?:door|window)|get in(?:to)? (?:my|the|our) (?:flat|house|home|bedroom|room))",
        r"\b(?:someone|somebody) (?:is )?trying to get in\b(?! touch| contact)",
        r"\b(?:kicking|smashing|forcing|kicked|smashed) (?:in |down )?(?:my|the|our) "
        r"(?:front |back )?(?:door|window)s?\b",
        r"\b(?:someone|somebody|a man|a stranger|strangers|people)[^.!?,]{0,12} (?:is |are )?"
        r"(?:in|inside) (?:my|our) (?:flat|house|home|bedroom|room|kitchen|hallway)\b"
        r"(?! (?:above|below|next|upstairs|downstairs|opposite))",
        r"\b(?:intruders?|being burgled|burglars? (?:in|inside|downstairs|upstairs))\b",
        r"\b(?:has|have|just|theyve|someones) (?:just )?broken in\b",
        r"\bbreak in(?:,|$| now| right now| happening| in progress)",
        recent_only=True,
    ),
    *_rules(
        _E,
        "chest_pain",
        r"\bchest (?:pains?|tightness|tightening|hurts|hurting|ache|aching|is (?:really |very |"
        r"so )?(?:tight|painful|sore|hurting|heavy)|feels (?:really |very |so )?(?:tight|heavy|"
        r"crushed))\b",
        r"\b(?:pains?|tight(?:ness)?|tightening|crushing|pressure|ache|aching|hurting) "
        r"(?:in|across|on) (?:my|his|her|the|their) chest\b",
        r"\btight chest\b",
        r"\bhaving (?:a|another) heart attack\b",
        r"\b(?:think|thinks|maybe|might|could|suspect|worried|scared|afraid)[^.!?,]{0,30}"
        r"\bheart attack\b",
        recent_only=True,
    ),
    *_rules(
        _E,
        "stroke",
        r"\bhaving (?:a|another) stroke\b",
        r"\b(?:think|thinks|thought|maybe|might|could|suspect|worried|scared|afraid|looks like|"
        r"possibly)[^.!?,]{0,30}\b(?:a|another) stroke\b(?! of)",
        r"\bjust had (?:a|another) stroke\b",
        r"\b(?:face|mouth|smile|lip|eye|eyelid) (?:is |has |has gone |gone |went |looks |"
        r"is all |has gone all |gone all |went all )?"
        r"(?:drooping|droopy|droops|sagging|saggy|lopsided|twisted)\b",
        r"\b(?:drooping|droopy|lopsided) (?:face|mouth|smile|eye)\b",
        r"\bone side of (?:his|her|my|their|the) (?:face|body|mouth)\b",
        r"\bslurr(?:ed|ing|s)\b",
        r"\bspeech (?:is |has gone |has |gone |went |sounds )?(?:slurred|funny|strange|weird|"
        r"garbled|jumbled)\b",
        r"\b(?:cant|cannot|can not|unable to) (?:speak|talk) properly\b",
        r"\b(?:talking|speaking) (?:funny|gibberish|strangely)\b",
        r"\b(?:cant|cannot|can not|unable to) (?:lift|raise|move|use) (?:his|her|my|their|one|"
        r"the|either) (?:left |right )?(?:arm|arms|hand|leg|side)\b",
        r"\b(?:numb|weak|floppy|paralysed) (?:on|down) (?:one|the left|the right|his left|"
        r"his right|her left|her right|my left|my right) side\b",
        r"\b(?:one|left|right) side (?:has gone|is|went|gone) (?:numb|weak|floppy|limp)\b",
        # "Since her stroke she can't lift her arm" asks for an adaptation, not an ambulance.
        recent_only=True,
    ),
    *_rules(
        _E,
        "seizure",
        r"\bhaving (?:a |another )?(?:s(?:ei|ie)zures?|fits?|convulsions?|epileptic fit)\b"
        r"(?! of)",
        r"\b(?:is|hes|shes|keeps|keep|started|been|still) (?:fitting|seizing|convulsing)"
        r"(?= (?:again|and|now|for|right now|still|badly)|,|$)",
        r"\bconvuls(?:ing|ions?)\b",
        r"\b(?:gone into|went into|in) (?:a )?s(?:ei|ie)zure\b",
        r"\bs(?:ei|ie)zure (?:wont stop|will not stop|is lasting|lasting|for (?:over |more than )?"
        r"[0-9]+ min)",
        r"\b(?:hes|shes|has|just|ive|i have|i just) had (?:a|another) (?:s(?:ei|ie)zure|fit)\b"
        r"(?! of)",
        recent_only=True,
    ),
    *_rules(
        _E,
        "bleeding",
        r"\bble(?:e|a)ding (?:a lot|heavily|badly|loads|everywhere|so much|really badly|"
        r"profusely|very badly|quite badly|like mad|non ?stop|all over)\b",
        r"\b(?:heavy|severe|serious) ble(?:e|a)ding\b",
        r"\b(?:wont|will not|cant|cannot|doesnt|does not|isnt) stop(?:ping)? ble(?:e|a)ding\b",
        r"\b(?:ble(?:e|a)ding|nosebleed|bleed) (?:wont|will not|doesnt|does not|isnt|hasnt|"
        r"has not) stop",
        rf"(?:{BLOOD}|\bble(?:e|a)ding) (?:is )?(?:everywhere|pouring|gushing|spurting|pumping|"
        r"squirting|all over)\b",
        rf"\b(?:a lot of|lots of|so much|loads of|pools? of|covered in|losing|lost)(?: so much)?"
        rf" {BLOOD}",
    ),
    *_rules(
        _E,
        "collapse",
        rf"{SUBJECT}{AUX} (?:coll?apsed|passed out|fainted|blacked out|keeled over)\b"
        r"(?! (?:leaflets|flyers|letters|forms|the|some|a))",
        r"(?:^|, )(?:just )?(?:coll?apsed|fainted|passed out|blacked out)\b",
        recent_only=True,
    ),
    *_rules(
        _E,
        "fall",
        # A fall with the state that makes it an emergency; the fall needs no named person.
        rf"\b(?:fell|fallen|fall|falls|falling|fallin|slipped|tripped|gone down|went down)\b"
        rf"[^.!?]{{0,40}}\b{CANT} "
        rf"(?:{GET_UP}|get out(?=,|$| of (?:the |my )?(?:bath|shower|bed)))",
        rf"\b{CANT} {GET_UP}\b[^.!?]{{0,30}}\b(?:fell|fallen|fall|falling|fallin)\b",
        rf"\b{CANT} {GET_UP} (?:off|from)(?: the)? (?:floor|ground)\b",
        rf"{SUBJECT}{AUX}(?: (?:lying|laying|lay|lain|stuck|sat|sitting|fallen|fell|still|"
        r"down)){0,2} on the (?:bathroom |kitchen |bedroom |hall |hallway |landing |lounge |"
        r"toilet |living room )?(?:floor|ground)\b",
        rf"\b(?:found|find|finding) (?:him|her|them|{PEOPLE}|my {PEOPLE}) (?:lying |laying )?"
        r"on the (?:bathroom |kitchen |bedroom |hall |hallway |landing |lounge |toilet |"
        r"living room )?(?:floor|ground)\b",
        # Falling over, down the stairs, out of bed: the words after "fell" tell a body's fall
        # from "fell behind", "fell asleep" or "fell out with".
        rf"{SUBJECT}{AUX} (?:fell|fallen)(?= (?:over|down|badly|again|hard|in the|in her|"
        r"in his|in my|on the|on her|on his|onto|off (?:the|a|his|her|my) (?:bed|chair|ladder|"
        r"stairs|steps|step|toilet|loo|bath|stool)|out of (?:bed|the bed|the bath|the chair|"
        r"(?:his|her|my) (?:chair|wheelchair|bed))|from|and|just now|now|earlier|this morning|"
        r"today|tonight)\b|,|$)",
        r"\b(?:had|has had|taken|took) (?:a|another) (?:bad |nasty |big |serious |heavy )?fall\b"
        r"(?! in (?:our |my |his |her |the )?(?:income|earnings|wages|pay|benefits?|hours|money|"
        r"rent|prices?|value))",
        recent_only=True,
    ),
    *_rules(
        _U,
        "urgent_medical",
        r"(?<!been )(?<!was )(?<!were )"
        r"\b(?:very|really|extremely|so|seriously|terribly|quite) (?:unwell|ill|poorly|sick)\b"
        r"(?! (?:of|and tired))",
        r"\b(?:high|very high|really high|raging) (?:fever|temperature|temp)\b",
        r"\b(?:has|got|running|with) a (?:bad |high |really high |very high )?(?:fever|"
        r"temperature|temp)\b",
        r"\btemperature of (?:3[89]|4[0-2])\b",
        # Everyday tablets run out and a prescription is asked for: only the medicines a body
        # cannot go a day without are urgent.
        r"\bout of (?:my |his |her |their |the )?(?:insulin|heart "
        r"(?:medication|meds|tablets|pills)|inhalers?|epipens?|oxygen|warfarin|blood thinners|"
        r"epilepsy (?:medication|meds|tablets))\b(?! (?:prescription|repeat|script))",
        r"\b(?:no|not got any|havent got any|have no|got no) (?:insulin|heart (?:medication|meds|"
        r"tablets|pills)|epilepsy (?:medication|meds|tablets)|inhaler|oxygen)(?: left)?\b",
        r"\b(?:very|really|so) (?:short of breath|breathless)\b",
        r"\bblood sugar (?:is )?(?:very |really |too |dangerously )?(?:high|low)\b",
        r"\b(?:having a|gone|going) hypo\b",
    ),
)

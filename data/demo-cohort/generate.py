#!/usr/bin/env python3
"""Writes the SYNTHETIC Kypho-IORT demo cohort (no real patient): 9 patients, 15 levels.

Every visit records that analgesics were asked (analgesics_assessed = yes: no analgesic row means
none taken, OMED 0) and every procedure and follow-up visit that complications were looked for
(complications_assessed = yes), so "no embolism in 9 of 9 assessed" can be stated.

Deterministic (fixed seed). Run from this folder: python3 generate.py
Column meanings: docs/registry.md. Scores (SINS, Tokuhashi, OME) are left empty: kiort computes them.
"""
import csv
import datetime as dt
import hashlib
import json
import random

rng = random.Random(20240115)

# pseudonym, sex, birth year, primary, histology, KPS, ECOG, SINS components, Tokuhashi inputs,
# procedure date, levels, death (days after procedure) or None
PATIENTS = [
    ("SYNA-001", "female", 1958, "breast", "invasive ductal carcinoma", 80, 1,
     ("junctional", "mechanical", "lytic", "normal", "lt50", "none"), (1, 2, "none", "E"),
     "2024-01-15", ["T11", "T12"], None),
    ("SYNA-002", "male", 1949, "prostate", "adenocarcinoma", 70, 1,
     ("junctional", "mechanical", "mixed", "normal", "lt50", "unilateral"), (4, 2, "none", "E"),
     "2024-02-05", ["L1", "L2"], None),
    ("SYNA-003", "male", 1955, "lung", "adenocarcinoma (NSCLC)", 60, 2,
     ("semirigid", "mechanical", "lytic", "normal", "gt50", "none"), (2, 1, "unremovable", "D"),
     "2024-02-26", ["T8"], 121),
    ("SYNA-004", "female", 1962, "breast", "invasive lobular carcinoma", 90, 0,
     ("mobile", "occasional", "lytic", "normal", "lt50", "none"), (0, 2, "none", "E"),
     "2024-03-18", ["L3", "L4"], None),
    ("SYNB-005", "male", 1951, "colon", "adenocarcinoma", 70, 1,
     ("mobile", "mechanical", "lytic", "deformity", "lt50", "unilateral"), (1, 1, "removable", "E"),
     "2024-04-08", ["L2"], 214),
    ("SYNB-006", "female", 1947, "lung", "squamous cell carcinoma", 60, 2,
     ("semirigid", "mechanical", "lytic", "normal", "lt50", "none"), (3, 2, "none", "E"),
     "2024-05-06", ["T10", "T12"], None),
    ("SYNB-007", "male", 1960, "rectum", "adenocarcinoma", 80, 1,
     ("junctional", "occasional", "lytic", "normal", "none_gt50_involved", "none"),
     (0, 1, "none", "E"), "2024-06-03", ["L5"], None),
    ("SYNB-008", "male", 1944, "prostate", "adenocarcinoma", 70, 1,
     ("semirigid", "mechanical", "blastic", "normal", "lt50", "none"), (5, 2, "none", "E"),
     "2024-07-01", ["T6", "T7"], None),
    ("SYNB-009", "female", 1953, "stomach", "signet ring cell adenocarcinoma", 50, 2,
     ("junctional", "mechanical", "lytic", "normal", "gt50", "bilateral"), (2, 2, "unremovable", "E"),
     "2024-08-12", ["L1", "L3"], 96),
]
EVENTS = [("postop", 1), ("w2", 14), ("m1", 30), ("m2", 60), ("m6", 182), ("late_1", 364)]
LEAKS = {("SYNA-002", "L2"): "paravertebral", ("SYNA-004", "L4"): "intradiscal",
         ("SYNB-008", "T7"): "venous"}
MISSED = {("SYNB-007", "m6")}  # a visit not (yet) recorded: shows in `kiort registry due`
FOLLOW_UP_END = dt.date(2025, 3, 31)  # last contact for the living


def day(s):
    return dt.date.fromisoformat(s)


def write(name, header, rows):
    with open(name, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


patients, procedures, levels, visits, analgesics, complications, vital = [], [], [], [], [], [], []
baselines = []  # (procedure id, date, worst pain): pre-operative visits, appended after the others
for pid, (pseudo, sex, by, site, hist, kps, ecog, sins, tok, pdate, lvls, death) in enumerate(PATIENTS, 1):
    dx = day(pdate) - dt.timedelta(days=rng.randint(20, 60))
    patients.append([pid, pseudo, sex, by, site, hist, dx.isoformat(), kps, ecog, *sins, *tok,
                     "lung; liver" if tok[2] != "none" else ""])
    procedures.append([pid, pid, pdate, "Surgeon " + "ABC"[pid % 3], "Physicist " + "XY"[pid % 2],
                       "none" if pid % 4 else "transient hypotension during cementation", "yes"])
    for lv in lvls:
        lid = len(levels) + 1
        dose = rng.choice([8, 8, 10, 12])
        depth = rng.choice([5, 8, 10])
        dwell = [{"position_mm": float(p), "time_s": round(rng.uniform(60, 140), 1)}
                 for p in range(0, 10, 5)]
        plan_id = f"SYN-PLAN-{pid:03d}-{lv}"
        levels.append([lid, pid, lv, "bilateral" if lid % 3 else "unilateral", 50,
                       "needle applicator 4.4 mm", dose, depth, json.dumps(dwell), plan_id,
                       hashlib.sha256(plan_id.encode()).hexdigest(),
                       round(rng.uniform(2.0, 4.0), 1), round(rng.uniform(2.5, 5.0), 1), "PMMA"])
        if (pseudo, lv) in LEAKS:
            complications.append([len(complications) + 1, pid, lv, "cement_leak", LEAKS[(pseudo, lv)],
                                  1, "minor", pdate, "asymptomatic leak seen on post-operative CT"])
    death_day = day(pdate) + dt.timedelta(days=death) if death else None
    pain = rng.randint(6, 9)
    baselines.append((pid, pdate, pain))
    for ev, target in EVENTS:
        vdate = day(pdate) + dt.timedelta(days=target + rng.randint(-1, 3) if target > 1 else 1)
        if death_day and vdate >= death_day:
            break
        if vdate > FOLLOW_UP_END:
            break
        if (pseudo, ev) in MISSED:
            continue
        pain = max(0, pain - rng.randint(1, 3)) if ev != "postop" else pain - 2
        vid = len(visits) + 1
        pro = ev in ("m1", "m6")
        c30 = ",".join(str(rng.randint(1, 4)) for _ in range(28)) + "," + \
            ",".join(str(rng.randint(3, 6)) for _ in range(2)) if pro else ""
        bm22 = ",".join(str(rng.randint(1, 4)) for _ in range(22)) if pro else ""
        odi = ",".join(str(rng.randint(0, 3)) for _ in range(10)) if pro else ""
        imaging = ev in ("m2", "m6", "late_1")
        visits.append([vid, pid, ev, vdate.isoformat(), pain, c30, bm22, odi, "E", "E",
                       "controlled" if imaging else "", "none" if imaging else "",
                       "no progression at treated levels" if imaging else "", "yes", "yes"])
        if pain >= 4:
            analgesics.append([len(analgesics) + 1, vid, "oxycodone", "oral", 20])
        if pain >= 2:
            analgesics.append([len(analgesics) + 1, vid, "metamizole", "oral", 2000])
        if ev == "postop" and pid % 3 == 0:
            analgesics.append([len(analgesics) + 1, vid, "fentanyl", "transdermal", 25])
    if death_day:
        vital.append([pid, pid, death_day.isoformat(), death_day.isoformat(),
                      "progressive metastatic disease"])
    else:
        vital.append([pid, pid, FOLLOW_UP_END.isoformat(), "", ""])

# Pre-operative baseline (event `preop`, on the day of surgery at admission), added after the first
# release of this cohort: appended with new ids, and drawn without the random generator, so every
# earlier row keeps its id and values. Worst pain is the pain the follow-up then falls from; every
# patient takes oxycodone 30 mg/day and metamizole before surgery (fentanyl as post-op where used),
# so that the consensus pain response (pain and OMED against baseline) can be assessed. The
# questionnaires (QLQ-C30, QLQ-BM22, ODI) come from a generator of their own, answers leaning
# towards more symptoms and disability than after surgery, so that QoL change can be shown.
brng = random.Random(20240101)
for pid, pdate, pain in baselines:
    vid = len(visits) + 1
    c30 = ",".join(str(brng.randint(2, 4)) for _ in range(28)) + "," + \
        ",".join(str(brng.randint(2, 4)) for _ in range(2))
    bm22 = ",".join(str(brng.randint(2, 4)) for _ in range(22))
    odi = ",".join(str(brng.randint(2, 4)) for _ in range(10))
    visits.append([vid, pid, "preop", pdate, pain, c30, bm22, odi, "E", "E", "", "", "", "yes", ""])
    analgesics.append([len(analgesics) + 1, vid, "oxycodone", "oral", 30])
    analgesics.append([len(analgesics) + 1, vid, "metamizole", "oral", 2000])
    if pid % 3 == 0:
        analgesics.append([len(analgesics) + 1, vid, "fentanyl", "transdermal", 25])

write("visit_schedule.csv", ["id", "event", "label", "day", "window_before", "window_after"],
      [[7, "preop", "pre-operative baseline", 0, 14, 0]])
write("patients.csv", ["id", "pseudonym", "sex", "birth_year", "primary_site", "histology",
                       "spinal_met_dx_date", "kps", "ecog", "sins_location", "sins_pain",
                       "sins_lesion", "sins_alignment", "sins_collapse", "sins_posterolateral",
                       "tok_extraspinal_bone_mets", "tok_vertebral_mets", "tok_visceral_mets",
                       "tok_palsy_frankel", "other_mets"], patients)
write("procedures.csv", ["id", "patient_id", "procedure_date", "surgeon", "physicist",
                         "intraop_events", "complications_assessed"], procedures)
write("levels.csv", ["id", "procedure_id", "level", "access", "kv", "applicator", "dose_gy",
                     "ref_depth_mm", "dwell_json", "plan_id", "plan_checksum", "balloon_volume_ml",
                     "cement_volume_ml", "cement_type"], levels)
write("visits.csv", ["id", "procedure_id", "event", "visit_date", "pain_worst", "qlq_c30",
                     "qlq_bm22", "odi", "frankel", "asia", "local_control", "new_fracture",
                     "imaging_notes", "analgesics_assessed", "complications_assessed"], visits)
write("analgesics.csv", ["id", "visit_id", "drug", "route", "daily_dose"], analgesics)
write("complications.csv", ["id", "procedure_id", "level", "type", "leak_location", "ctcae_grade",
                            "severity", "onset_date", "description"], complications)
write("vital_status.csv", ["id", "patient_id", "last_contact_date", "death_date", "death_cause"],
      vital)

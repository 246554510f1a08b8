"""The event vocabulary: detected once at import from column names and activity labels (English,
Spanish, a platform format's own words), stored with the log, shown, and overridable by flags,
a file and ``mejora vocabulary``; a missing kind names the flag that supplies it."""

from __future__ import annotations

import json

import pytest

import mining
import sample_logs
from mejora.cli import main
from mining import EventLogError, Vocabulary, kind_of_label

SPANISH = """id_contacto;actividad;fecha;correo;region
c1;Email recordatorio enviado;03/02/2025 09:00;ana@x.es;norte
c1;Baja de la lista;04/02/2025 10:00;ana@x.es;norte
c1;Email oferta enviado;14/02/2025 09:00;ana@x.es;norte
c2;Email recordatorio enviado;03/02/2025 09:05;bo@x.es;sur
c2;No molestar;05/02/2025 11:00;bo@x.es;sur
c2;Email oferta enviado;14/02/2025 09:05;bo@x.es;sur
c3;Email recordatorio enviado;03/02/2025 09:10;cy@x.es;sur
c3;Clic en enlace;03/02/2025 12:10;cy@x.es;sur
"""


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("Email recordatorio enviado", "sent"),
        ("SENT", "sent"),
        ("email.sent", "sent"),
        ("DELIVERED", "delivered"),
        ("Email abierto", "opened"),
        ("OPEN", "opened"),
        ("Clic en enlace", "clicked"),
        ("Respuesta recibida", "replied"),
        ("Baja de la lista", "unsubscribed"),
        ("UNSUBSCRIBE", "unsubscribed"),
        ("Correo rebotado", "bounced"),
        ("Hard bounce", "bounced"),
        ("Marked as Spam", "spam"),
        ("SPAMREPORT", "spam"),
        ("Doble opt-in confirmado", "opted_in"),
        ("Formulario enviado", "form_submitted"),
        ("Stage changed", "stage_changed"),
        ("Closed Won", "won"),
        ("Oportunidad perdida", "lost"),
        ("Tarea creada", "task_created"),
        ("Llamada comercial", "call"),
        ("Task failed", "error"),
        ("Proposal", None),
    ],
)
def test_labels_are_read_in_english_and_spanish(label, kind):
    assert kind_of_label(label) == kind


def test_a_spanish_export_without_recipient_column(write_csv):
    log = mining.read_log(write_csv(SPANISH, "es.csv"))
    v = log.vocabulary
    assert v.role("contact") == "correo"  # the address column names the person
    assert v.labels("unsubscribed") == ("Baja de la lista",)
    assert set(v.labels("sent")) == {"Email recordatorio enviado", "Email oferta enviado"}
    assert v.kind("No molestar") is None  # a withdrawal in words no pattern knows
    assert log.summary().to_dict()["vocabulary"]["kinds"]["clicked"] == ["Clic en enlace"]
    assert mining.consent_violations(log)["contact"].tolist() == ["ana@x.es"]


def test_a_platform_format_brings_its_own_words():
    log = sample_logs.load_email_events()  # HubSpot email events: recipient, UNSUBSCRIBE...
    v = log.vocabulary
    assert v.role("contact") == "recipient"
    assert v.labels("unsubscribed") == ("UNSUBSCRIBE",)
    assert "SENT" in v.labels("sent") and "BOUNCE" in v.labels("bounced")


def test_flags_override_detection_and_are_marked_given(write_csv):
    path = write_csv(SPANISH, "es.csv")
    log = mining.read_log(
        path,
        roles={"contact": "case_id"},
        event_kinds={"unsubscribed": ["Baja de la lista", "No molestar"]},
    )
    v = log.vocabulary
    assert v.role("contact") == "case_id"
    assert v.labels("unsubscribed") == ("Baja de la lista", "No molestar")
    assert {"role:contact", "kind:unsubscribed"} <= set(v.given)
    assert "unsubscribed: 'Baja de la lista', 'No molestar' (given)" in v.describe()
    found = mining.consent_violations(log)
    assert sorted(found["contact"]) == ["c1", "c2"]
    # plain data both ways, as stored with the log
    assert Vocabulary.from_dict(json.loads(json.dumps(v.to_dict()))) == v


def test_bad_overrides_fail_naming_what_is_wrong(write_csv, tmp_path):
    path = write_csv(SPANISH, "es.csv")
    with pytest.raises(EventLogError, match="email"):
        mining.read_log(path, roles={"contact": "email"})
    with pytest.raises((EventLogError, ValueError), match="kinds: sent, delivered"):
        mining.read_log(path, event_kinds={"unsubscrbed": ["Baja de la lista"]})
    with pytest.raises(EventLogError, match="Baja de lista"):
        mining.read_log(path, event_kinds={"unsubscribed": ["Baja de lista"]})
    bad = tmp_path / "vocab.yaml"
    bad.write_text("kinds: {unsubscribed: [Baja]}\nlabels: {}\n")
    with pytest.raises(EventLogError, match=r"vocab\.yaml: a vocabulary file is a mapping"):
        mining.read_log(path, vocabulary_file=bad)


def test_a_missing_kind_names_the_flag_that_supplies_it(write_csv):
    text = "case_id,activity,timestamp\nc1,Email enviado,2025-01-01\nc1,Pedido,2025-01-02\n"
    log = mining.read_log(write_csv(text))
    with pytest.raises(EventLogError, match=r'--event-kind unsubscribed="LABEL"'):
        mining.consent_violations(log)


def test_vocabulary_command_shows_corrects_and_resets(write_csv, store_path, tmp_path, capsys):
    path = write_csv(SPANISH, "es.csv")
    flag = "unsubscribed=No molestar"
    assert main(["import", str(path), "--name", "es", "--event-kind", flag]) == 0
    out = capsys.readouterr().out
    assert "unsubscribed: 'No molestar' (given)" in out
    assert main(["vocabulary", "es", "--json"]) == 0
    stored = json.loads(capsys.readouterr().out)
    assert stored["kinds"]["unsubscribed"] == ["No molestar"]
    # a file adds the other label and the contact column; the choice is stored with the log
    file = tmp_path / "vocabulary.yaml"
    file.write_text(
        "roles: {contact: case_id}\nkinds: {unsubscribed: [Baja de la lista, No molestar]}\n"
    )
    assert main(["vocabulary", "es", "--vocabulary", str(file)]) == 0
    capsys.readouterr()
    assert main(["consent", "es"]) == 0
    assert "2 contacts" in capsys.readouterr().out
    assert main(["info", "es"]) == 0
    assert "contact: column case_id (given)" in capsys.readouterr().out
    assert main(["vocabulary", "es", "--reset", "--json"]) == 0
    reset = json.loads(capsys.readouterr().out)
    assert reset["roles"]["contact"] == "correo" and reset["given"] == []
    assert main(["vocabulary", "es", "--event-kind", "unsubscribed=No such label"]) == 2
    assert "No such label" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name", ["running-example.xes", "receipt.xes", "roadtraffic100traces.xes", "reviewing.xes"]
)
def test_real_public_logs_get_no_email_words_they_do_not_have(shared_logs, name):
    """Logs Mejora did not make, of processes that send no marketing email: nothing is taken
    for a send or a withdrawal, so consent and engagement analyses say what is missing."""
    log = mining.read_log(shared_logs / name)
    v = log.vocabulary
    assert not v.labels(*mining.EMAIL_KINDS)
    assert v.role("owner") == "resource"
    with pytest.raises(EventLogError, match=r"has no contact column.*--role contact=COLUMN"):
        mining.consent_violations(log)

"""What the adapters do for kudos: Slack's escaped mentions and Teams' mention entities become
neutral `Mention`s, and the people picker of the giving form renders on both platforms."""

from __future__ import annotations

from botbuilder.schema import Activity

from bot.chat.message import Form, PeopleField
from bot.flows.kudos.ids import GIVE_FORM, RECIPIENTS
from bot.handlers import handler_routes
from bot.intents import Command, Mention
from bot.slack.intents import command_intent
from bot.slack.render import SlackRenderer
from bot.teams.intents import intent_of
from bot.teams.render import TeamsRenderer
from tests.teams_activities import channel_message


def slack_command(command: str, text: str) -> Command:
    return command_intent({"command": command, "text": text, "user_id": "U0EMPL001",
                           "channel_id": "C0GENERAL"})


def test_slack_mentions_become_neutral_mentions_and_text_as_typed():
    intent = slack_command("/kudos", "<@U0TECH001|tom.tech> &amp; <@U0TECH002> fixed "
                                     "&lt;it&gt; in <#C0GENERAL|general> <!here> "
                                     "<!subteam^S0HELPDSK|@helpdesk> <https://x.example|x>")

    assert intent.mentions == (Mention("U0TECH001", "tom.tech"), Mention("U0TECH002", "U0TECH002"))
    assert intent.text == ("@tom.tech & @U0TECH002 fixed <it> in #general @here @helpdesk "
                           "https://x.example")
    assert intent.word == "@tom.tech"


def test_every_commands_text_is_unescaped_once_and_only_kudos_has_mentions():
    # Without should_escape Slack still escapes &, < and >, and sends mentions as typed.
    intent = slack_command("/touchpoint", "@tom.tech &lt;!channel&gt; &amp;amp; &amp;lt;")

    assert intent.mentions == ()
    assert intent.text == "@tom.tech <!channel> &amp; &lt;"


def test_an_escaped_entity_in_a_mention_or_text_is_unescaped_once():
    intent = slack_command("/kudos", "<@U0TECH001|a&amp;amp;b> &amp;lt;3")

    assert intent.mentions == (Mention("U0TECH001", "a&amp;b"),)
    assert intent.text == "@a&amp;b &lt;3"


BOT = {"id": "28:bot", "name": "Touchpoint"}
TOM = {"id": "29:1Tom-Case_Sensitive", "name": "Tom Tech"}
TINA = {"id": "29:1tina", "name": "Tina T"}


def test_teams_mentions_are_people_other_than_the_bot_by_their_own_29_ids():
    """Teams sends a mention with the member's 29: id and name only; the id is kept as sent
    (it is case-sensitive), for the roster to resolve."""
    raw = channel_message("https://smba.example/", {"id": "29:1ann", "name": "Ann"}, BOT,
                          "kudos <at>Tom Tech</at> and <at>Tina</at> fixed it",
                          team="19:team", channel="19:chan", tenant="t-1", mentions=(TOM, TINA))
    raw["entities"][2]["text"] = "<at>Tina</at>"  # the text shows a shorter name

    intent = intent_of(Activity().deserialize(raw), handler_routes().commands)

    assert isinstance(intent, Command)
    assert (intent.command, intent.text) == ("kudos", "Tom Tech and Tina fixed it")
    assert intent.mentions == (Mention("29:1Tom-Case_Sensitive", "Tom Tech"),
                               Mention("29:1tina", "Tina"))


def test_an_aad_object_id_in_a_mention_is_used_when_a_client_adds_one():
    raw = channel_message("https://smba.example/", {"id": "29:1ann", "name": "Ann"}, BOT,
                          "kudos <at>Tom Tech</at> thanks", team="19:team", channel="19:chan",
                          tenant="t-1", mentions=(TOM,))
    raw["entities"][1]["mentioned"]["aadObjectId"] = "0A1B2C3D-4E5F-4061-8273-94A5B6C7D8E9"

    intent = intent_of(Activity().deserialize(raw), handler_routes().commands)

    assert isinstance(intent, Command)
    assert intent.mentions == (Mention("0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9", "Tom Tech"),)


def test_the_people_picker_is_a_user_select_in_slack_and_a_people_picker_in_teams():
    form = Form("kudos/form", GIVE_FORM, (PeopleField(RECIPIENTS, "recipients_label"),),
                context={"allowance": 5, "points": 10})

    [_text, slack_input] = SlackRenderer().form(form)["blocks"]
    teams_card = TeamsRenderer().form_card(form)

    assert slack_input["element"] == {"type": "multi_users_select", "action_id": RECIPIENTS,
                                      "max_selected_items": 10}
    assert slack_input["label"]["text"] == "Who do you want to thank?"
    picker = teams_card["body"][-1]
    assert picker["isMultiSelect"] is True
    assert picker["choices.data"] == {"type": "Data.Query",
                                      "dataset": "graph.microsoft.com/users"}

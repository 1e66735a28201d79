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


def teams_activity(text: str, entities: list[dict]) -> Activity:
    return Activity().deserialize({
        "type": "message", "id": "1", "serviceUrl": "https://smba.example/", "channelId":
        "msteams", "from": {"id": "29:1ann", "name": "Ann", "aadObjectId": "AAA-1"},
        "recipient": {"id": "28:bot", "name": "Touchpoint"},
        "conversation": {"id": "19:chan;messageid=1", "conversationType": "channel"},
        "text": text, "entities": entities})


def test_teams_mentions_are_people_other_than_the_bot_by_aad_id():
    activity = teams_activity(
        "<at>Touchpoint</at> kudos <at>Tom Tech</at> and <at>Tina</at> fixed it",
        [{"type": "mention", "text": "<at>Touchpoint</at>",
          "mentioned": {"id": "28:bot", "name": "Touchpoint"}},
         {"type": "mention", "text": "<at>Tom Tech</at>",
          "mentioned": {"id": "29:1tom", "name": "Tom Tech", "aadObjectId": "0A1B-TOM"}},
         {"type": "mention", "text": "<at>Tina</at>",
          "mentioned": {"id": "29:1tina", "name": "Tina T"}}])

    intent = intent_of(activity, handler_routes().commands)

    assert isinstance(intent, Command)
    assert (intent.command, intent.text) == ("kudos", "Tom Tech and Tina fixed it")
    assert intent.mentions == (Mention("0a1b-tom", "Tom Tech"), Mention("29:1tina", "Tina"))


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

"""A rule attached to a post while it is still scheduled answers once the post is published;
the composer attaches chosen rules to the posts it creates."""

from __future__ import annotations

from sqlalchemy import select

from app.models import AutomationRulePost, Post
from app.services.automations.definitions import attach_posts
from tests.automations.conftest import results
from tests.publishing.composer_support import compose
from tests.publishing.conftest import PublishEnv, later


def test_a_rule_on_a_scheduled_post_fires_after_it_is_published(
    auto, app, engine, owner, session, tmp_path
):
    app.config["SETTINGS"].MEDIA_DIR = str(tmp_path / "media")
    env = PublishEnv(app, auto.stack, session, engine, owner)
    (post,) = env.create(
        [auto.account], "image", [env.media("image")], caption="Новинка!", scheduled_at=later(60)
    )
    rule = auto.rule(
        name="Новинка",
        trigger="comment",
        keywords=["цена"],
        actions=[("public_reply", {"variants": ["Цена в директе"]})],
    )
    assert attach_posts(session, auto.workspace_id, [rule.id], [post]) == 1
    session.commit()
    session.refresh(rule)
    assert rule.all_posts is False

    # Comments on other posts do not match the rule.
    other = auto.comment("цена?")
    assert auto.firings(rule) == [] and auto.replies(other.ig_comment_id) == []

    env.run(now=later(61))
    post = env.fresh(post)
    assert post.status == "done" and post.ig_media_id
    on_post = auto.comment("А цена какая?", media_id=post.ig_media_id)
    (firing,) = auto.firings(rule)
    assert results(firing) == {"public_reply": ("done", None)}
    assert auto.replies(on_post.ig_comment_id) == ["Цена в директе"]


def test_the_composer_attaches_chosen_rules_to_new_posts(
    auto, client, session, engine, owner, app, tmp_path
):
    app.config["SETTINGS"].MEDIA_DIR = str(tmp_path / "media")
    env = PublishEnv(app, auto.stack, session, engine, owner)
    rule = auto.rule(
        name="Розыгрыш",
        trigger="comment",
        keywords=["участвую"],
        actions=[("add_tags", {"tags": ["giveaway"]})],
    )
    dm_rule = auto.rule(
        name="DM", trigger="dm", keywords=["x"], actions=[("add_tags", {"tags": ["x"]})]
    )
    assert f'name="automation_rule_ids" value="{rule.id}"' in client.get("/publishing/compose").text
    resp = compose(
        client,
        accounts=[auto.account],
        media=[env.media("image")],
        caption="Розыгрыш!",
        day="2030-01-15",
        at="10:00",
        automation_rule_ids=[str(rule.id), str(dm_rule.id)],
    )
    assert resp.status_code == 302, resp.text
    post = session.scalar(select(Post).order_by(Post.id.desc()))
    targets = session.scalars(select(AutomationRulePost)).all()
    assert [(t.rule_id, t.post_id) for t in targets] == [(rule.id, post.id)]

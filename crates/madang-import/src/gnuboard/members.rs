//! Members: accounts with their level, super-admin flag, block and old password hash;
//! deleted members are kept as author names only. Then the groups' administrators, once
//! the members are known.

use madang_store::{ImportMember, Imported};

use crate::report::Kind;

use super::tables::Site;
use super::{Ctx, ImportError, Progress, kst};

pub(super) async fn import_members(
    site: &Site,
    ctx: &mut Ctx<'_>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), ImportError> {
    let table = format!("{}member", site.prefix);
    let super_admin = site
        .rows("config")
        .first()
        .map(|c| c.s("cf_admin").to_lowercase())
        .unwrap_or_default();
    let rows = site.rows("member");
    let total = rows.len() as u64;
    for (n, m) in rows.iter().enumerate() {
        let mb_id = m.s("mb_id");
        let key = mb_id.to_lowercase();
        let password = m.s("mb_password");
        let memo = m.s("mb_memo").trim();
        let left = m.s("mb_leave_date").trim();
        if password.trim().is_empty() || !left.is_empty() {
            let why = if !left.is_empty() {
                format!("left the site on {left}: kept as an author name only")
            } else if memo.contains("삭제") {
                format!("deleted member ({}): kept as an author name only", memo)
            } else {
                "no password (a deleted member): kept as an author name only".to_owned()
            };
            ctx.report.skip(Kind::Member, mb_id, why);
            continue;
        }
        if !madang_core::legacy_password::is_legacy(password) && !password.starts_with("$argon2") {
            ctx.report.warn(format!(
                "member {mb_id}: the password hash has an unknown form; they will need to \
                 reset their password"
            ));
        }
        let nickname = match m.s("mb_nick").trim() {
            "" => m.s("mb_name"),
            n => n,
        };
        let created_at = kst(m.s("mb_datetime"), &ctx.zone).unwrap_or(ctx.now);
        let member = ImportMember {
            login: mb_id,
            nickname,
            email: m.s("mb_email"),
            password_hash: password,
            level: m.i("mb_level"),
            is_super_admin: !super_admin.is_empty() && key == super_admin,
            blocked: !m.s("mb_intercept_date").trim().is_empty(),
            created_at,
        };
        match ctx.session.import_member(&key, &member).await? {
            Imported::Created(id) => {
                ctx.report.imported(Kind::Member);
                ctx.members.insert(key, id);
                ctx.nicks.entry(nickname.to_owned()).or_insert(id);
            }
            Imported::Existing(id) => {
                ctx.report.existing(Kind::Member);
                ctx.members.insert(key, id);
                ctx.nicks.entry(nickname.to_owned()).or_insert(id);
            }
            Imported::Refused(why) => ctx.report.skip(Kind::Member, mb_id, why),
        }
        progress(&Progress {
            table: &table,
            done: n as u64 + 1,
            total,
        });
    }
    // Group administrators.
    for g in site.rows("group") {
        let gr_id = g.s("gr_id");
        let Some(group_id) = ctx.session.mapped("group", gr_id).await? else {
            continue;
        };
        for admin in g.s("gr_admin").split(',').map(str::trim) {
            if admin.is_empty() {
                continue;
            }
            match ctx.members.get(&admin.to_lowercase()) {
                Some(&member_id) => {
                    if ctx.session.add_group_admin(group_id, member_id).await? {
                        ctx.report.imported(Kind::GroupAdmin);
                    } else {
                        ctx.report.existing(Kind::GroupAdmin);
                    }
                }
                None => ctx.report.skip(
                    Kind::GroupAdmin,
                    format!("{gr_id} {admin}"),
                    "the member was not imported",
                ),
            }
        }
    }
    Ok(())
}

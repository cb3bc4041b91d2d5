//! Copy and move lines (GnuBoard5's visible line under a copied or moved post) kept as
//! provenance records, resolved once every board's posts are known.

use madang_core::copy_line::Transfer;
use madang_store::{ImportProvenance, Imported};

use crate::report::Kind;

use super::{BoardInfo, Ctx, ImportError, kst};

pub(super) struct PendingProvenance {
    pub(super) key: String,
    pub(super) post_id: i64,
    pub(super) transfer: Transfer,
    pub(super) nick: String,
    pub(super) time: String,
    pub(super) source_board: String,
    pub(super) title: String,
    pub(super) datetime: String,
}

pub(super) async fn resolve_provenance(ctx: &mut Ctx<'_>) -> Result<(), ImportError> {
    let pending = std::mem::take(&mut ctx.provenance);
    for p in pending {
        // The source board is named by its title (bo_subject) in the line.
        let matches: Vec<(&String, &BoardInfo)> = ctx
            .boards
            .iter()
            .filter(|(_, b)| b.subject == p.source_board)
            .collect();
        let by_table = ctx.boards.get_key_value(&p.source_board);
        let source = match (matches.as_slice(), by_table) {
            ([(bo, b)], _) => Some(((*bo).clone(), b.id, b.slug.clone())),
            (_, Some((bo, b))) => Some((bo.clone(), b.id, b.slug.clone())),
            _ => None,
        };
        let source_post = match (&source, p.transfer) {
            (Some((bo, _, _)), Transfer::Copy) => ctx
                .post_index
                .get(&(bo.clone(), p.title.clone(), p.datetime.clone()))
                .copied()
                .filter(|&id| id != p.post_id),
            _ => None,
        };
        let Some(at) = kst(&p.time, &ctx.zone) else {
            ctx.report.skip(
                Kind::Provenance,
                &p.key,
                format!("unreadable time {:?} in the copy line", p.time),
            );
            continue;
        };
        let slug = source
            .as_ref()
            .map(|(_, _, s)| s.clone())
            .unwrap_or_else(|| p.source_board.clone());
        let record = ImportProvenance {
            post_id: p.post_id,
            transfer: p.transfer,
            source_board_id: source.as_ref().map(|(_, id, _)| *id),
            source_board_slug: &slug,
            source_post_id: source_post,
            actor_id: ctx.nicks.get(&p.nick).copied(),
            actor_name: &p.nick,
            at,
        };
        match ctx.session.import_provenance(&p.key, &record).await? {
            Imported::Created(_) => ctx.report.imported(Kind::Provenance),
            Imported::Existing(_) => ctx.report.existing(Kind::Provenance),
            Imported::Refused(why) => ctx.report.skip(Kind::Provenance, &p.key, why),
        }
    }
    Ok(())
}

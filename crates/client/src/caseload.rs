//! A caseworker's caseload: the youths they follow, each with their parents and the
//! conversations about them (the youth alone, the parents, the whole family), for the desk.
//!
//! Grouping is a pure function of what the device already knows, so it is tested on its own:
//! a parent belongs to a youth when this device invited the parent for that youth, or when both
//! are in a family conversation. Parents no youth can be found for get a case of their own, so
//! nobody drops off the list.

use std::collections::{BTreeMap, HashMap};

use samtale_proto::UserId;
use samtale_proto::api::{Role, ThreadKind};

use crate::engine::Client;
use crate::error::ClientError;
use crate::views::{CaseView, MemberView, ThreadView};

/// Groups `threads` by youth. `people` are the citizens this device knows (role youth or
/// parent), `links` known (parent, youth) pairs. Cases come most recently active first; a
/// thread is in at most one case.
pub fn group(
    people: &[MemberView],
    links: &[(UserId, UserId)],
    threads: Vec<ThreadView>,
) -> Vec<CaseView> {
    let role = |u: &UserId| people.iter().find(|p| &p.user == u).map(|p| p.role);
    let mut parent_of: HashMap<UserId, UserId> = links
        .iter()
        .filter(|(p, y)| role(p) == Some(Role::Parent) && role(y) == Some(Role::Youth))
        .cloned()
        .collect();
    for t in threads.iter().filter(|t| t.kind == ThreadKind::Family) {
        let youths: Vec<&MemberView> = t.members.iter().filter(|m| m.role == Role::Youth).collect();
        if let [youth] = youths.as_slice() {
            for m in t.members.iter().filter(|m| m.role == Role::Parent) {
                parent_of
                    .entry(m.user.clone())
                    .or_insert_with(|| youth.user.clone());
            }
        }
    }

    // Cases keyed by their youth, or by the first parent when no youth is known.
    let mut cases: BTreeMap<UserId, CaseView> = BTreeMap::new();
    let key_of = |citizen: &MemberView| -> UserId {
        match citizen.role {
            Role::Parent => parent_of
                .get(&citizen.user)
                .cloned()
                .unwrap_or_else(|| citizen.user.clone()),
            _ => citizen.user.clone(),
        }
    };
    let empty_case = || CaseView {
        youth: None,
        parents: Vec::new(),
        threads: Vec::new(),
        unread: 0,
        last_activity_ms: 0,
    };
    for p in people {
        let case = cases.entry(key_of(p)).or_insert_with(empty_case);
        match p.role {
            Role::Youth => case.youth = Some(p.clone()),
            Role::Parent => case.parents.push(p.clone()),
            _ => {}
        }
    }
    for t in threads {
        let citizen = t
            .members
            .iter()
            .find(|m| m.role == Role::Youth)
            .or_else(|| t.members.iter().find(|m| m.role == Role::Parent));
        let Some(citizen) = citizen else { continue };
        let case = cases.entry(key_of(citizen)).or_insert_with(empty_case);
        case.unread += t.unread;
        case.last_activity_ms = case.last_activity_ms.max(t.last_activity_ms);
        case.threads.push(t);
    }
    let mut out: Vec<CaseView> = cases.into_values().collect();
    for case in &mut out {
        case.parents
            .sort_by(|a, b| a.display_name.cmp(&b.display_name));
        case.threads
            .sort_by_key(|t| std::cmp::Reverse(t.last_activity_ms));
    }
    let name = |c: &CaseView| {
        c.youth
            .as_ref()
            .or(c.parents.first())
            .map(|m| m.display_name.clone())
            .unwrap_or_default()
    };
    out.sort_by(|a, b| {
        b.last_activity_ms
            .cmp(&a.last_activity_ms)
            .then_with(|| name(a).cmp(&name(b)))
    });
    out
}

impl Client {
    /// The youths and families this person follows (see [`group`]).
    pub fn caseload(&self) -> Result<Vec<CaseView>, ClientError> {
        let threads = self.threads()?;
        let (people, links) = {
            let db = self.db();
            let mut stmt = db.prepare(
                "SELECT id, display_name, role FROM users WHERE role IN ('youth', 'parent')",
            )?;
            let people = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut stmt = db.prepare(
                "SELECT joined_user, youth FROM invitations WHERE joined_user IS NOT NULL AND youth IS NOT NULL",
            )?;
            let links = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            (people, links)
        };
        let people: Vec<MemberView> = people
            .into_iter()
            .filter_map(|(id, display_name, role)| {
                Some(MemberView {
                    user: UserId::parse(&id).ok()?,
                    display_name,
                    role: Role::parse(&role)?,
                })
            })
            .collect();
        let links: Vec<(UserId, UserId)> = links
            .into_iter()
            .filter_map(|(p, y)| Some((UserId::parse(&p).ok()?, UserId::parse(&y).ok()?)))
            .collect();
        Ok(group(&people, &links, threads))
    }
}

#[cfg(test)]
mod tests {
    use samtale_proto::ThreadId;

    use super::*;

    fn person(n: u8, name: &str, role: Role) -> MemberView {
        MemberView {
            user: UserId::from_parts(u64::from(n), [n; 10]),
            display_name: name.into(),
            role,
        }
    }

    fn thread(
        n: u8,
        kind: ThreadKind,
        members: &[&MemberView],
        unread: u32,
        at: i64,
    ) -> ThreadView {
        ThreadView {
            id: ThreadId::from_parts(u64::from(n), [n; 10]),
            kind,
            members: members.iter().map(|m| (*m).clone()).collect(),
            unread,
            last_activity_ms: at,
            last_message: None,
        }
    }

    #[test]
    fn threads_and_parents_gather_under_their_youth() {
        let sara = person(1, "Sara", Role::Caseworker);
        let mikkel = person(2, "Mikkel", Role::Youth);
        let hanne = person(3, "Hanne", Role::Parent);
        let jens = person(4, "Jens", Role::Parent);
        let amina = person(5, "Amina", Role::Youth);
        let ole = person(6, "Ole", Role::Parent);
        let people = [
            mikkel.clone(),
            hanne.clone(),
            jens.clone(),
            amina.clone(),
            ole.clone(),
        ];
        // Hanne was invited for Mikkel; Jens is linked through the family conversation; Ole's
        // youth is unknown here.
        let links = [(hanne.user.clone(), mikkel.user.clone())];
        let threads = vec![
            thread(10, ThreadKind::Youth, &[&sara, &mikkel], 2, 500),
            thread(11, ThreadKind::Parents, &[&sara, &hanne, &jens], 1, 300),
            thread(12, ThreadKind::Family, &[&sara, &mikkel, &jens], 0, 100),
            thread(13, ThreadKind::Parents, &[&sara, &ole], 4, 400),
        ];
        let cases = group(&people, &links, threads);
        assert_eq!(cases.len(), 3, "{cases:#?}");

        let m = &cases[0];
        assert_eq!(m.youth.as_ref(), Some(&mikkel));
        assert_eq!(m.parents, vec![hanne.clone(), jens.clone()]);
        assert_eq!(
            m.threads.iter().map(|t| t.kind).collect::<Vec<_>>(),
            [ThreadKind::Youth, ThreadKind::Parents, ThreadKind::Family]
        );
        assert_eq!((m.unread, m.last_activity_ms), (3, 500));

        assert_eq!(cases[1].youth, None);
        assert_eq!(cases[1].parents, vec![ole]);
        assert_eq!(cases[1].unread, 4);

        // A youth without a conversation yet is still on the list.
        assert_eq!(cases[2].youth.as_ref(), Some(&amina));
        assert!(cases[2].threads.is_empty());
    }

    #[test]
    fn links_to_someone_who_is_not_a_youth_are_ignored() {
        let hanne = person(3, "Hanne", Role::Parent);
        let ole = person(6, "Ole", Role::Parent);
        let cases = group(
            &[hanne.clone(), ole.clone()],
            &[(hanne.user.clone(), ole.user.clone())],
            Vec::new(),
        );
        assert_eq!(cases.len(), 2);
        assert!(
            cases
                .iter()
                .all(|c| c.youth.is_none() && c.parents.len() == 1)
        );
    }
}

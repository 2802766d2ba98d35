//! The evidence directory's file system fills up during an upload: the answer is 507
//! problem+json, nothing half-written remains (no temporary file, no evidence row, no custody
//! or audit event), and a small upload afterwards still works.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use diesel::prelude::*;
use qalxan::db::schema::{audit_events, custody_events, evidence};
use reqwest::{multipart, StatusCode};
use serde_json::json;

use crate::{
    backend, enabled,
    helpers::{assert_problem, json, TestApp},
};

/// The size of the small file system: far below what the big upload needs.
const TMPFS_BYTES: usize = 1024 * 1024;

/// A tmpfs mounted over a folder, unmounted however the test ends.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, bytes: usize) -> Self {
        std::fs::create_dir_all(at).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes},mode=0700")])
            .arg("tmpfs")
            .arg(at)
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "cannot mount a tmpfs on {} (the fault tests need root)",
            at.display()
        );
        Self(at.to_owned())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let ok = Command::new("umount")
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            // Still busy: detach it now, the kernel frees it when the last file closes.
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

fn form(name: &str, bytes: Vec<u8>) -> multipart::Form {
    multipart::Form::new()
        .text("description", "Disk image fragment")
        .part(
            "file",
            multipart::Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str("application/octet-stream")
                .unwrap(),
        )
}

/// (evidence rows, custody events, evidence audit events)
async fn evidence_rows(app: &TestApp) -> (i64, i64, i64) {
    app.db
        .run(|c| {
            Ok((
                evidence::table.count().get_result(c)?,
                custody_events::table.count().get_result(c)?,
                audit_events::table
                    .filter(audit_events::action.like("evidence.%"))
                    .count()
                    .get_result(c)?,
            ))
        })
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_full_evidence_disk_is_507_and_leaves_nothing_behind() {
    if !enabled("evidence disk full") {
        return;
    }
    let app = TestApp::spawn().await;
    let evidence_dir = app.settings.data_dir.join("evidence");
    let _tmpfs = Tmpfs::mount(&evidence_dir, TMPFS_BYTES);
    let responder = app.user(qalxan::domain::Role::Responder).await;
    let incident = app
        .incident(
            &responder,
            json!({ "title": "Ransomware", "description": "File server encrypted." }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let upload = |bytes: Vec<u8>, name: &str| {
        app.client
            .post(app.url(&format!("/api/v1/incidents/{incident}/evidence")))
            .bearer_auth(&responder.token)
            .multipart(form(name, bytes))
            .send()
    };

    // Twice the room there is, in bytes that do not compress (tmpfs does not compress anyway).
    let big: Vec<u8> = (0..2 * TMPFS_BYTES)
        .map(|i| (i * 7919 % 251) as u8)
        .collect();
    let res = upload(big, "disk.img")
        .await
        .expect("an answer, not a reset");
    let problem = assert_problem(res, StatusCode::INSUFFICIENT_STORAGE).await;
    let left = files_under(&evidence_dir);
    let rows = evidence_rows(&app).await;
    println!(
        "FAULT evidence-disk-full [{}]: {} bytes into a {} byte tmpfs -> {} \"{}\"; left behind: {} files, {} evidence rows, {} custody events, {} evidence audit events",
        backend(),
        2 * TMPFS_BYTES,
        TMPFS_BYTES,
        problem["status"],
        problem["detail"].as_str().unwrap_or_default(),
        left.len(),
        rows.0,
        rows.1,
        rows.2
    );
    assert!(left.is_empty(), "left behind: {left:?}");
    assert_eq!(rows, (0, 0, 0), "rows written for a failed upload");

    // Room for a small file: it goes through, and is the only thing stored.
    let small = json(
        upload(b"small but important".to_vec(), "note.txt")
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(small["size"], 19);
    assert_eq!(files_under(&evidence_dir).len(), 1);
    assert_eq!(evidence_rows(&app).await.0, 1);
}

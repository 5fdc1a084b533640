//! What the routes rely on from a [`ChunkStore`], checked against each backend
//! (`tests/blob_conformance.rs`: a directory, and S3 against a real S3 server on loopback).
//! Each check panics with a message saying what broke.

use bytes::Bytes;
use samtale_proto::{BlobId, TenantId};

use super::ChunkStore;

fn blob(n: u8) -> BlobId {
    BlobId::from_parts(1_700_000_000_000 + u64::from(n), [n; 10])
}

fn tenant(n: u8) -> TenantId {
    TenantId::from_parts(1_600_000_000_000, [n; 10])
}

/// Every check, against one store. `tag` keeps runs on one bucket or directory apart.
pub async fn run_all(store: &ChunkStore, tag: u8) {
    chunks_round_trip(store, tag).await;
    missing_chunks_read_as_none(store, tag).await;
    a_chunk_is_replaced_whole(store, tag).await;
    tenants_and_blobs_are_apart(store, tag).await;
    delete_removes_every_chunk(store, tag).await;
    large_chunks_round_trip(store, tag).await;
}

async fn chunks_round_trip(s: &ChunkStore, tag: u8) {
    let (t, b) = (tenant(tag), blob(tag));
    for i in 0..3u32 {
        let bytes = Bytes::from(vec![i as u8 + 1; 1000 + i as usize]);
        s.put(&t, &b, i, bytes).await.expect("put");
    }
    for i in 0..3u32 {
        let got = s.get(&t, &b, i).await.expect("get").expect("stored");
        assert_eq!(got.len(), 1000 + i as usize, "chunk {i} has its length");
        assert!(
            got.iter().all(|&x| x == i as u8 + 1),
            "chunk {i} has its bytes"
        );
    }
}

async fn missing_chunks_read_as_none(s: &ChunkStore, tag: u8) {
    let (t, b) = (tenant(tag), blob(tag.wrapping_add(100)));
    assert!(s.get(&t, &b, 0).await.expect("get").is_none(), "no blob");
    s.put(&t, &b, 0, Bytes::from_static(b"x"))
        .await
        .expect("put");
    assert!(
        s.get(&t, &b, 1).await.expect("get").is_none(),
        "a chunk past the last"
    );
}

async fn a_chunk_is_replaced_whole(s: &ChunkStore, tag: u8) {
    let (t, b) = (tenant(tag), blob(tag.wrapping_add(50)));
    s.put(&t, &b, 0, Bytes::from(vec![1u8; 5000]))
        .await
        .expect("put");
    s.put(&t, &b, 0, Bytes::from(vec![2u8; 10]))
        .await
        .expect("put again");
    let got = s.get(&t, &b, 0).await.expect("get").expect("stored");
    assert_eq!(
        &got[..],
        &[2u8; 10][..],
        "the second write replaced the first"
    );
}

async fn tenants_and_blobs_are_apart(s: &ChunkStore, tag: u8) {
    let b = blob(tag.wrapping_add(150));
    let (t1, t2) = (tenant(tag), tenant(tag.wrapping_add(1)));
    s.put(&t1, &b, 0, Bytes::from_static(b"one"))
        .await
        .expect("put");
    assert!(
        s.get(&t2, &b, 0).await.expect("get").is_none(),
        "the same blob id in another municipality is another blob"
    );
    s.put(&t2, &b, 0, Bytes::from_static(b"two"))
        .await
        .expect("put");
    let got = s.get(&t1, &b, 0).await.expect("get").expect("stored");
    assert_eq!(&got[..], b"one");
}

async fn delete_removes_every_chunk(s: &ChunkStore, tag: u8) {
    let (t, b) = (tenant(tag), blob(tag.wrapping_add(200)));
    for i in 0..4u32 {
        s.put(&t, &b, i, Bytes::from_static(b"chunk"))
            .await
            .expect("put");
    }
    // Deleting more chunks than exist is fine (a sweep after a cut-off upload).
    s.delete(&t, &b, 6).await.expect("delete");
    for i in 0..4u32 {
        assert!(
            s.get(&t, &b, i).await.expect("get").is_none(),
            "chunk {i} is gone"
        );
    }
    s.delete(&t, &b, 6).await.expect("deleting again");
}

async fn large_chunks_round_trip(s: &ChunkStore, tag: u8) {
    let (t, b) = (tenant(tag), blob(tag.wrapping_add(250)));
    let big: Vec<u8> = (0..(2usize << 20)).map(|i| (i % 251) as u8).collect();
    s.put(&t, &b, 0, Bytes::from(big.clone()))
        .await
        .expect("put 2 MiB");
    let got = s.get(&t, &b, 0).await.expect("get").expect("stored");
    assert!(got[..] == big[..], "2 MiB come back unchanged");
    s.delete(&t, &b, 1).await.expect("delete");
}

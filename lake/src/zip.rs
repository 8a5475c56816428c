//! A ZIP archive of stored (uncompressed: Parquet is compressed already) files, for the
//! page: one download holds a capture's files under their lake paths, and
//! `unzip -n export.zip -d LAKE` adds them to a lake without overwriting any
//! (PKWARE APPNOTE 6.3.10, §4.3: local headers, the central directory, its end record).

/// Builds an archive of `(path, bytes)` files. Each file and the whole archive stay
/// under 4 GiB (no ZIP64): a capture's rows are far smaller.
pub fn zip(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    // 1980-01-01 00:00 in MS-DOS date and time: the archive says nothing of when.
    let (time, date) = (0u16, (1 << 5) | 1u16);
    for (name, data) in files {
        let offset = u32::try_from(out.len()).map_err(|_| "the archive passes 4 GiB")?;
        let size = u32::try_from(data.len()).map_err(|_| format!("{name} passes 4 GiB"))?;
        let crc = crc32fast::hash(data);
        let name_len = u16::try_from(name.len()).map_err(|_| format!("{name}: name too long"))?;
        // §4.3.7 local file header; bit 11: the name is UTF-8.
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        for v in [20u16, 1 << 11, 0, time, date] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, size, size] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // §4.3.12 central directory header.
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        for v in [20u16, 20, 1 << 11, 0, time, date] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, size, size] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        for v in [name_len, 0, 0, 0, 0] {
            central.extend_from_slice(&v.to_le_bytes());
        }
        central.extend_from_slice(&0u32.to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = u32::try_from(out.len()).map_err(|_| "the archive passes 4 GiB")?;
    let cd_size = central.len() as u32;
    let count = u16::try_from(files.len()).map_err(|_| "too many files")?;
    out.extend_from_slice(&central);
    // §4.3.16 end of central directory record.
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    for v in [0u16, 0, count, count] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    Ok(out)
}

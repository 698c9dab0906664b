//! A strict scanner that finds where JSON values end without decoding them.
//!
//! It is the fast half of [`Tweet::parse_for_counting`](crate::tweet::Tweet::parse_for_counting):
//! most of a tweet (the author, counters, URLs, a retweeted original) is only skipped, and
//! serde_json spends most of its time stepping through those tokens one by one. These functions
//! skip them faster (strings sixteen bytes at a time; in skipped containers, thirty-two where
//! the CPU has AVX2, and most strings and numbers ended from a [`Window`] of masks) while
//! accepting no more than serde_json does when it
//! ignores a value: same grammar, same string rules (no raw control characters, only valid
//! escapes; UTF-8 is not checked inside ignored values, as serde_json does not check it
//! either). They may accept less: every `None` only sends the caller back to serde_json, which
//! then decides and explains.

/// Containers nested deeper than this give up (`None`), keeping the nesting on one `u64`.
const MAX_DEPTH: u32 = u64::BITS;

/// The first index at or after `at` that is not JSON whitespace (the four bytes serde_json skips).
/// Inlined for its first compare: every whitespace byte is at most `b' '`, every token's first
/// byte above it, and compact JSON has a token nearly everywhere this is asked.
#[inline(always)]
pub(crate) fn skip_whitespace(bytes: &[u8], at: usize) -> usize {
    match bytes.get(at) {
        Some(&b) if b > b' ' => at,
        _ => whitespace_end(bytes, at),
    }
}

/// [`skip_whitespace`] past its first compare.
#[inline(never)]
fn whitespace_end(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(|&b| is_whitespace(b)) {
        at += 1;
    }
    at
}

/// `' '`, `'\n'`, `'\t'` or `'\r'`.
fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\t' | b'\r')
}

/// What scanning a string found.
#[derive(Clone, Copy)]
pub(crate) struct ScannedString {
    /// Just past its closing quote.
    pub(crate) end: usize,
    /// It has escapes.
    pub(crate) escaped: bool,
    /// It is known to be plain ASCII (no escape, no byte above 0x7f; `false` when unknown).
    pub(crate) ascii: bool,
}

/// Where the string whose opening quote is at `at` ends, and whether it has escapes. `None`
/// when it is unterminated, holds a raw control character or an invalid escape.
#[inline(always)]
pub(crate) fn string_end(bytes: &[u8], at: usize) -> Option<ScannedString> {
    scan_string(Sixteen, bytes, at)
}

/// [`string_end`], with whether the string is known to be plain ASCII, for keys, which must be
/// UTF-8. Inlined for the common case, a plain run up to the closing quote a block at a time,
/// where the ASCII check costs a move mask per block (and nothing where the flag is unused).
#[inline(always)]
fn scan_string<B: Blocks>(blocks: B, bytes: &[u8], at: usize) -> Option<ScannedString> {
    debug_assert_eq!(bytes.get(at), Some(&b'"'));
    let mut i = at + 1;
    let mut non_ascii = 0;
    while let Some(block) = bytes.get(i..i + B::WIDTH) {
        let (special, high) = blocks.masks(block);
        if special != 0 {
            let j = special.trailing_zeros() as usize;
            if block[j] == b'"' {
                non_ascii |= high & ((1 << j) - 1);
                return Some(ScannedString {
                    end: i + j + 1,
                    escaped: false,
                    ascii: non_ascii == 0,
                });
            }
            return rest_of_string_end(bytes, i + j);
        }
        non_ascii |= high;
        i += B::WIDTH;
    }
    rest_of_string_end(bytes, i)
}

/// [`string_end`] from `at` inside a string on, the long way: escapes, control characters and
/// the input's last bytes (fewer than a block). Whether it is ASCII is left unknown.
#[inline(never)]
fn rest_of_string_end(bytes: &[u8], mut i: usize) -> Option<ScannedString> {
    let mut escaped = false;
    loop {
        i = special_byte(bytes, i)?;
        match bytes[i] {
            b'"' => {
                return Some(ScannedString {
                    end: i + 1,
                    escaped,
                    ascii: false,
                })
            }
            b'\\' => {
                escaped = true;
                i = escape_end(bytes, i + 1)?;
            }
            _ => return None,
        }
    }
}

/// Walks the object whose `{` is at `at` the way serde reads a struct from it: `member` gets
/// each key (raw; an escaped key or one that is not UTF-8 gives `None`, as serde_json decodes
/// and checks those) and where its value starts, and returns where that value ends. Gives where
/// the object ends.
pub(crate) fn object_end(
    bytes: &[u8],
    at: usize,
    mut member: impl FnMut(&[u8], usize) -> Option<usize>,
) -> Option<usize> {
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    let mut i = skip_whitespace(bytes, at + 1);
    if bytes.get(i) == Some(&b'}') {
        return Some(i + 1);
    }
    loop {
        if bytes.get(i) != Some(&b'"') {
            return None;
        }
        let ScannedString {
            end: key_end,
            escaped,
            ascii,
        } = scan_string(Sixteen, bytes, i)?;
        let key = &bytes[i + 1..key_end - 1];
        if escaped || !(ascii || std::str::from_utf8(key).is_ok()) {
            return None;
        }
        let colon = token_at(bytes, key_end, b':')?;
        i = skip_whitespace(bytes, member(key, skip_whitespace(bytes, colon + 1))?);
        match bytes.get(i) {
            Some(b',') => i = skip_whitespace(bytes, i + 1),
            Some(b'}') => return Some(i + 1),
            _ => return None,
        }
    }
}

/// Walks the array whose `[` is at `at`: `element` gets where each element starts and returns
/// where it ends. Gives where the array ends.
pub(crate) fn array_end(
    bytes: &[u8],
    at: usize,
    mut element: impl FnMut(usize) -> Option<usize>,
) -> Option<usize> {
    if bytes.get(at) != Some(&b'[') {
        return None;
    }
    let mut i = skip_whitespace(bytes, at + 1);
    if bytes.get(i) == Some(&b']') {
        return Some(i + 1);
    }
    loop {
        i = skip_whitespace(bytes, element(i)?);
        match bytes.get(i) {
            Some(b',') => i = skip_whitespace(bytes, i + 1),
            Some(b']') => return Some(i + 1),
            _ => return None,
        }
    }
}

/// Where the JSON value starting at `at` ends, or `None` if there is no valid value there (or
/// it nests deeper than [`MAX_DEPTH`]). Leading whitespace is skipped; trailing is not.
/// Scalars, most of the values a caller skips, end here without the container walk's setup,
/// and inline in the caller (a call's register saves and restores cost more than the rest for
/// a `null` or a small count; BENCHMARKS.md, "Second pass").
#[inline(always)]
pub(crate) fn value_end(bytes: &[u8], at: usize) -> Option<usize> {
    let at = skip_whitespace(bytes, at);
    match *bytes.get(at)? {
        b'"' => Some(string_end(bytes, at)?.end),
        b'[' => flat_array_end(bytes, at).or_else(|| container_end(bytes, at)),
        b'{' => container_end(bytes, at),
        first => scalar_end(bytes, at, first),
    }
}

/// Where the array at `at` ends if it holds only strings and scalars (`[]`, an entity's
/// `indices`), walked inline without the container walk's call and set-up; `None` for anything
/// else, which [`container_end`] then decides.
#[inline(always)]
fn flat_array_end(bytes: &[u8], at: usize) -> Option<usize> {
    array_end(bytes, at, |i| match *bytes.get(i)? {
        b'"' => Some(string_end(bytes, i)?.end),
        b'{' | b'[' => None,
        first => scalar_end(bytes, i, first),
    })
}

/// [`value_end`] of the object or array whose opening bracket is at `at`, its strings read
/// thirty-two bytes at a time where the CPU has AVX2.
#[inline(always)]
fn container_end(bytes: &[u8], at: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if let Some(avx2) = Avx2::detect() {
        // SAFETY: an `Avx2` exists only where the CPU has AVX2.
        return unsafe { avx2_container_end(avx2, bytes, at) };
    }
    sixteen_container_end(bytes, at)
}

/// [`walk_container`] sixteen bytes at a time.
#[inline(never)]
fn sixteen_container_end(bytes: &[u8], at: usize) -> Option<usize> {
    walk_container(Sixteen, bytes, at)
}

/// [`walk_container`] thirty-two bytes at a time, compiled for AVX2 (so that [`avx2_masks`]
/// inlines into it).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn avx2_container_end(avx2: Avx2, bytes: &[u8], at: usize) -> Option<usize> {
    walk_container(avx2, bytes, at)
}

/// [`container_end`] with strings read `blocks` at a time.
#[inline(always)]
fn walk_container<B: Blocks>(blocks: B, bytes: &[u8], at: usize) -> Option<usize> {
    // One bit per open container, innermost lowest: 1 for an object, 0 for an array.
    let mut objects: u64 = 0;
    let mut depth = 0;
    let mut i = at;
    let mut window = Window::EMPTY;
    loop {
        // A value is expected at `i`.
        let first = *bytes.get(i)?;
        i = match first {
            b'"' => window.string_end(blocks, bytes, i)?,
            b'{' | b'[' => {
                if depth == MAX_DEPTH {
                    return None;
                }
                depth += 1;
                let object = first == b'{';
                objects = objects << 1 | u64::from(object);
                i = skip_whitespace(bytes, i + 1);
                match (object, *bytes.get(i)?) {
                    (true, b'"') => {
                        i = member_value(blocks, bytes, &mut window, i)?;
                        continue;
                    }
                    (true, b'}') | (false, b']') => i, // closed below
                    (true, _) => return None,
                    (false, _) => continue,
                }
            }
            b' ' | b'\n' | b'\t' | b'\r' => {
                i = whitespace_end(bytes, i + 1);
                continue;
            }
            b'-' | b'0'..=b'9' => window.number_end(bytes, i)?,
            _ => scalar_end(bytes, i, first)?,
        };
        // A value is behind `i`, or an empty container's closer at it: close containers until
        // one goes on. (Only a closer can leave `depth` at 0, so only a closer checks it.)
        loop {
            let next = *bytes.get(i)?;
            let in_object = objects & 1 == 1;
            if next == b',' {
                i += 1;
                if in_object {
                    i = member_value(blocks, bytes, &mut window, token_at(bytes, i, b'"')?)?;
                }
                break;
            }
            if next == if in_object { b'}' } else { b']' } {
                i += 1;
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
                objects >>= 1;
            } else if is_whitespace(next) {
                i = whitespace_end(bytes, i + 1);
            } else {
                return None;
            }
        }
    }
}

/// Past the key whose opening quote is at `at` and its colon: where the member's value starts
/// (before whitespace).
#[inline(always)]
fn member_value<B: Blocks>(
    blocks: B,
    bytes: &[u8],
    window: &mut Window,
    at: usize,
) -> Option<usize> {
    let end = window.string_end(blocks, bytes, at)?;
    Some(token_at(bytes, end, b':')? + 1)
}

/// Where the [`is_special`] bytes are in the sixty-four bytes from `base`. The container walk
/// keeps one, so that most strings (keys, short values) end at the next bit of a register
/// instead of after a load and compares of their own: a chain of about half the latency per
/// string, and the walk is a chain of strings.
#[derive(Clone, Copy)]
struct Window {
    base: usize,
    special: u64,
    /// Where the ASCII digits are, so that a number's digits end at the next clear bit
    /// instead of after a loop whose exit mispredicts.
    digits: u64,
}

impl Window {
    /// No bytes: every position is past it (`base + 64` wraps to 0).
    const EMPTY: Window = Window {
        base: usize::MAX - 63,
        special: 0,
        digits: 0,
    };

    /// [`string_end`] of the string whose opening quote is at `at`, moving the window on as
    /// the string needs. Within the input's last sixty-four bytes, [`scan_string`] decides.
    #[inline(always)]
    fn string_end<B: Blocks>(&mut self, blocks: B, bytes: &[u8], at: usize) -> Option<usize> {
        let mut from = at + 1;
        loop {
            let offset = from.wrapping_sub(self.base);
            if offset >= 64 {
                let Some(block) = bytes.get(from..from + 64) else {
                    return Some(scan_string(blocks, bytes, at)?.end);
                };
                *self = Window::at(blocks, block, from);
                continue;
            }
            let ahead = self.special >> offset;
            if ahead == 0 {
                // The string goes on past the window.
                from = self.base + 64;
                continue;
            }
            let j = from + ahead.trailing_zeros() as usize;
            if bytes[j] == b'"' {
                return Some(j + 1);
            }
            return Some(rest_of_string_end(bytes, j)?.end);
        }
    }

    /// The window over `block`, the sixty-four bytes from `base`.
    #[inline(always)]
    fn at<B: Blocks>(blocks: B, block: &[u8], base: usize) -> Window {
        let mut window = Window {
            base,
            special: 0,
            digits: 0,
        };
        for (k, chunk) in block.chunks_exact(B::WIDTH).enumerate() {
            window.special |= u64::from(blocks.masks(chunk).0) << (k * B::WIDTH);
            window.digits |= u64::from(blocks.digit_mask(chunk)) << (k * B::WIDTH);
        }
        window
    }

    /// [`number_end`] of the number at `at`, its digits found in the window where they end
    /// inside it. (It counts the run before looking at the first digit: `number_end` with
    /// only its digit loop replaced by the mask was slower; BENCHMARKS.md, "Third pass".)
    #[inline(always)]
    fn number_end(&self, bytes: &[u8], at: usize) -> Option<usize> {
        let i = at + usize::from(bytes[at] == b'-');
        let offset = i.wrapping_sub(self.base);
        if offset >= 64 {
            return number_end(bytes, at);
        }
        // The shift brings in clear bits (read as digits) past the window's end, so a run
        // reaching the end is not known to end there.
        let run = (!self.digits >> offset).trailing_zeros() as usize;
        if offset + run >= 64 {
            return number_end(bytes, at);
        }
        let end = match run {
            0 => return None,
            // A digit after a leading `0` is the caller's to reject, as in `number_end`.
            _ if bytes[i] == b'0' => i + 1,
            _ => i + run,
        };
        match bytes.get(end) {
            Some(b'.' | b'e' | b'E') => fraction_exponent_end(bytes, end),
            _ => Some(end),
        }
    }
}

/// The index of `token` at `at` or after whitespace there (compact JSON has it at `at`).
#[inline(always)]
fn token_at(bytes: &[u8], at: usize, token: u8) -> Option<usize> {
    if bytes.get(at) == Some(&token) {
        return Some(at);
    }
    let at = whitespace_end(bytes, at);
    (bytes.get(at) == Some(&token)).then_some(at)
}

/// Past the number, `true`, `false` or `null` whose first byte `first` is at `at`.
#[inline(always)]
fn scalar_end(bytes: &[u8], at: usize, first: u8) -> Option<usize> {
    match first {
        b'-' | b'0'..=b'9' => number_end(bytes, at),
        b't' => literal_end(bytes, at, b"true"),
        // Four bytes compare as one: the `f` is known.
        b'f' => literal_end(bytes, at + 1, b"alse"),
        b'n' => literal_end(bytes, at, b"null"),
        _ => None,
    }
}

/// Past an escape whose backslash is just before `at`: `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`,
/// `\t` or `\u` and four hex digits (any, as serde_json does not pair surrogates it ignores).
fn escape_end(bytes: &[u8], at: usize) -> Option<usize> {
    match *bytes.get(at)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(at + 1),
        b'u' => {
            let hex = bytes.get(at + 1..at + 5)?;
            hex.iter().all(u8::is_ascii_hexdigit).then_some(at + 5)
        }
        _ => None,
    }
}

/// Past `literal` if it is at `at`. (An array, not a slice, so that the compare is inlined.)
fn literal_end<const N: usize>(bytes: &[u8], at: usize, literal: &[u8; N]) -> Option<usize> {
    let end = at + N;
    bytes
        .get(at..end)
        .is_some_and(|b| b == literal)
        .then_some(end)
}

/// Past the number starting at `at`: `-`? (`0` | [1-9][0-9]*) (`.` [0-9]+)? ([eE] [+-]? [0-9]+)?.
/// What follows is the caller's to check (a digit after a leading `0` fails there). Inlined up
/// to the integer's end, which is where most numbers (counts, ids) end.
#[inline(always)]
fn number_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut i = at + usize::from(bytes.get(at) == Some(&b'-'));
    i = match bytes.get(i)? {
        b'0' => i + 1,
        b'1'..=b'9' => digits_end(bytes, i + 1),
        _ => return None,
    };
    match bytes.get(i) {
        Some(b'.' | b'e' | b'E') => fraction_exponent_end(bytes, i),
        _ => Some(i),
    }
}

/// Past the fraction and exponent (either optional) of the number whose integer ends at `at`.
#[inline(never)]
fn fraction_exponent_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    if bytes.get(i) == Some(&b'.') {
        let end = digits_end(bytes, i + 1);
        if end == i + 1 {
            return None;
        }
        i = end;
    }
    if let Some(b'e' | b'E') = bytes.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = bytes.get(i) {
            i += 1;
        }
        let end = digits_end(bytes, i);
        if end == i {
            return None;
        }
        i = end;
    }
    Some(i)
}

/// The first index at or after `at` that is not an ASCII digit.
fn digits_end(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_digit) {
        at += 1;
    }
    at
}

/// The index of the first `"`, `\` or control character at or after `at`: the only bytes that
/// end or interrupt a string's plain run. Sixteen bytes at a time.
fn special_byte(bytes: &[u8], mut at: usize) -> Option<usize> {
    while let Some(block) = bytes.get(at..at + 16) {
        let mask = special_mask(block.try_into().expect("sixteen bytes"));
        if mask != 0 {
            return Some(at + mask.trailing_zeros() as usize);
        }
        at += 16;
    }
    let tail = bytes.get(at..)?;
    match bytes.len().checked_sub(16) {
        // The input's last sixteen bytes, those before `at` shifted out.
        Some(start) => {
            let last = bytes[start..].try_into().expect("sixteen bytes");
            let mask = special_mask(last) >> (at - start);
            (mask != 0).then(|| at + mask.trailing_zeros() as usize)
        }
        None => tail.iter().position(|&b| is_special(b)).map(|i| at + i),
    }
}

/// `"`, `\` or a control character (below 0x20).
fn is_special(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// How a string's plain run is read: a block of bytes at a time, with its masks.
trait Blocks: Copy {
    /// Bytes per block, at most 32 (one bit each in a `u32`).
    const WIDTH: usize;

    /// Bits `j` set where `block[j]` [`is_special`], and where it is not ASCII. `block` has
    /// [`Self::WIDTH`] bytes.
    fn masks(self, block: &[u8]) -> (u32, u32);

    /// Bits `j` set where `block[j]` is an ASCII digit.
    fn digit_mask(self, block: &[u8]) -> u32;
}

/// Sixteen bytes at a time ([`special_mask`], [`non_ascii_mask`]): SSE2 on x86-64.
#[derive(Clone, Copy)]
struct Sixteen;

impl Blocks for Sixteen {
    const WIDTH: usize = 16;

    #[inline(always)]
    fn masks(self, block: &[u8]) -> (u32, u32) {
        let block = block.try_into().expect("sixteen bytes");
        (special_mask(block), non_ascii_mask(block))
    }

    #[inline(always)]
    fn digit_mask(self, block: &[u8]) -> u32 {
        digit_mask(block.try_into().expect("sixteen bytes"))
    }
}

/// Thirty-two bytes at a time with AVX2. Only [`Avx2::detect`] makes one, where the CPU has it.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
struct Avx2(());

#[cfg(target_arch = "x86_64")]
impl Avx2 {
    /// An `Avx2` if the CPU has AVX2 (the standard library caches the answer).
    fn detect() -> Option<Avx2> {
        is_x86_feature_detected!("avx2").then_some(Avx2(()))
    }
}

#[cfg(target_arch = "x86_64")]
impl Blocks for Avx2 {
    const WIDTH: usize = 32;

    #[inline(always)]
    fn masks(self, block: &[u8]) -> (u32, u32) {
        let block = block.try_into().expect("thirty-two bytes");
        // SAFETY: `self` exists only where the CPU has AVX2 (`detect`).
        unsafe { avx2_masks(block) }
    }

    #[inline(always)]
    fn digit_mask(self, block: &[u8]) -> u32 {
        let block = block.try_into().expect("thirty-two bytes");
        // SAFETY: as in `masks`.
        unsafe { avx2_digit_mask(block) }
    }
}

/// [`Blocks::digit_mask`] of thirty-two bytes, as [`digit_mask`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn avx2_digit_mask(block: &[u8; 32]) -> u32 {
    use std::arch::x86_64::{
        _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8,
        _mm256_set1_epi8, _mm256_sub_epi8,
    };
    // SAFETY: as in `avx2_masks`.
    let v = unsafe { _mm256_loadu_si256(block.as_ptr().cast()) };
    let x = _mm256_sub_epi8(v, _mm256_set1_epi8(b'0' as i8));
    _mm256_movemask_epi8(_mm256_cmpeq_epi8(
        _mm256_min_epu8(x, _mm256_set1_epi8(9)),
        x,
    )) as u32
}

/// [`Blocks::masks`] of thirty-two bytes: as [`special_mask`], in one AVX2 register.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn avx2_masks(block: &[u8; 32]) -> (u32, u32) {
    use std::arch::x86_64::{
        _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set1_epi8, _mm256_xor_si256,
    };
    // SAFETY: the load reads exactly the thirty-two bytes `block` borrows (unaligned allowed).
    let v = unsafe { _mm256_loadu_si256(block.as_ptr().cast()) };
    let x = _mm256_xor_si256(v, _mm256_set1_epi8(2));
    let quote_or_control = _mm256_cmpeq_epi8(_mm256_min_epu8(x, _mm256_set1_epi8(0x20)), x);
    let backslash = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'\\' as i8));
    let special = _mm256_movemask_epi8(_mm256_or_si256(quote_or_control, backslash));
    (special as u32, _mm256_movemask_epi8(v) as u32)
}

/// Bit `j` set where `block[j]` [`is_special`]. On x86-64, SSE2 (part of the baseline, so no
/// detection or target flags): three compares and a move mask for the sixteen bytes, which
/// the compiler does not find by itself.
#[cfg(target_arch = "x86_64")]
fn special_mask(block: &[u8; 16]) -> u32 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_xor_si128,
    };
    // SAFETY: every x86-64 CPU has SSE2, and the load reads exactly the sixteen bytes `block`
    // borrows (unaligned loads allowed).
    unsafe {
        let v = _mm_loadu_si128(block.as_ptr().cast());
        // `b ^ 2` keeps the control characters below 0x20 and turns `"` (0x22) into 0x20, the
        // one other byte it brings to 0x20 or below: one unsigned compare, min(x, 0x20) == x.
        let x = _mm_xor_si128(v, _mm_set1_epi8(2));
        let quote_or_control = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x20)), x);
        let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
        _mm_movemask_epi8(_mm_or_si128(quote_or_control, backslash)) as u32
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn special_mask(block: &[u8; 16]) -> u32 {
    block
        .iter()
        .enumerate()
        .fold(0, |mask, (j, &b)| mask | u32::from(is_special(b)) << j)
}

/// Bit `j` set where `block[j]` is an ASCII digit. On x86-64, SSE2: `b - b'0'` is at most 9,
/// unsigned, only for the ten digits.
#[cfg(target_arch = "x86_64")]
fn digit_mask(block: &[u8; 16]) -> u32 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_set1_epi8,
        _mm_sub_epi8,
    };
    // SAFETY: as in `special_mask`.
    unsafe {
        let x = _mm_sub_epi8(
            _mm_loadu_si128(block.as_ptr().cast()),
            _mm_set1_epi8(b'0' as i8),
        );
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(9)), x)) as u32
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn digit_mask(block: &[u8; 16]) -> u32 {
    block
        .iter()
        .enumerate()
        .fold(0, |mask, (j, &b)| mask | u32::from(b.is_ascii_digit()) << j)
}

/// Bit `j` set where `block[j]` is not ASCII (above 0x7f). On x86-64, the move mask alone.
#[cfg(target_arch = "x86_64")]
fn non_ascii_mask(block: &[u8; 16]) -> u32 {
    use std::arch::x86_64::{_mm_loadu_si128, _mm_movemask_epi8};
    // SAFETY: as in `special_mask`.
    unsafe { _mm_movemask_epi8(_mm_loadu_si128(block.as_ptr().cast())) as u32 }
}

#[cfg(not(target_arch = "x86_64"))]
fn non_ascii_mask(block: &[u8; 16]) -> u32 {
    block
        .iter()
        .enumerate()
        .fold(0, |mask, (j, &b)| mask | u32::from(!b.is_ascii()) << j)
}

#[cfg(test)]
pub(crate) mod tests;

//! The short form `pos REF>ALT` (1-based): `12 A>G`, `12:A>G`, `12 AT>A`.

use super::{Variant, VariantError, check_bases};

pub fn parse_short(text: &str, line: usize) -> Result<Variant, VariantError> {
    let syntax = |message: String| VariantError::Syntax { line, message };
    let expected =
        || syntax(format!("'{text}' is not a variant; expected 'pos REF>ALT' (1-based, e.g. '12 A>G') or a VCF line"));
    let split_at = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(expected)?;
    let (pos, rest) = text.split_at(split_at);
    let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ':');
    let (reference, alternate) = rest.split_once('>').ok_or_else(expected)?;
    let position: usize = pos.parse().map_err(|_| expected())?;
    if position == 0 {
        return Err(syntax("position 0: positions are 1-based".into()));
    }
    let reference = check_bases(reference.trim(), "REF", line)?;
    let alternate = check_bases(alternate.trim(), "ALT", line)?;
    if reference == alternate {
        return Err(syntax(format!("REF and ALT are both {reference}")));
    }
    let id = format!("{position}:{reference}>{alternate}");
    Ok(Variant { id, position, reference, alternate, line })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_accepted_spellings() {
        for text in ["12 A>G", "12:A>G", "12a>g", "12  A > G"] {
            let v = parse_short(text, 4).unwrap();
            assert_eq!((v.position, v.reference.as_str(), v.alternate.as_str(), v.line), (12, "A", "G", 4), "{text}");
        }
    }

    #[test]
    fn says_what_was_wrong() {
        let msg = |t: &str| parse_short(t, 2).unwrap_err().to_string();
        assert_eq!(
            msg("A>G"),
            "line 2: 'A>G' is not a variant; expected 'pos REF>ALT' (1-based, e.g. '12 A>G') or a VCF line"
        );
        assert_eq!(msg("0 A>G"), "line 2: position 0: positions are 1-based");
        assert_eq!(msg("5 A>R"), "line 2: ALT 'R' has 'R'; only A, C, G, T and N are allowed");
        assert_eq!(msg("5 A>a"), "line 2: REF and ALT are both A");
        assert_eq!(msg("5 >G"), "line 2: REF is empty");
    }
}

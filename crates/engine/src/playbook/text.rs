//! Localised texts: a playbook string or `{ "en": "...", "de": "..." }`, and the widget's
//! own strings (Next, Back, error messages) in English, German, French and Spanish, which a
//! playbook's `texts` may override.

use crate::prelude::*;

/// A text that may be localised. A plain string is stored under the language `""`,
/// which matches any locale.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Text(pub Vec<(String, String)>);

impl Text {
    /// A plain, unlocalised text.
    pub fn plain(s: &str) -> Text {
        Text(vec![(String::new(), s.to_owned())])
    }

    /// The text for `locale`: the exact tag, then its language (`de-CH` → `de`), then
    /// `fallback` (the playbook's locale), then English, then the first given.
    pub fn get(&self, locale: &str, fallback: &str) -> &str {
        let lang = primary(locale);
        // (wanted tag, compare the given tag's primary language only); `""` is plain.
        let order = [
            ("", false),
            (locale, false),
            (lang, false),
            (lang, true),
            (fallback, false),
            (primary(fallback), false),
            ("en", false),
        ];
        for (want, by_language) in order {
            for (l, s) in &self.0 {
                let tag = if by_language { primary(l) } else { l };
                if tag.eq_ignore_ascii_case(want) {
                    return s;
                }
            }
        }
        self.0.first().map_or("", |(_, s)| s)
    }

    /// True when this text is plain or given in `locale`'s language.
    pub fn speaks(&self, locale: &str) -> bool {
        let lang = primary(locale);
        self.0
            .iter()
            .any(|(l, _)| l.is_empty() || primary(l).eq_ignore_ascii_case(lang))
    }

    /// Every language this text is given in (empty for a plain text).
    pub fn languages(&self) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .map(|(l, _)| l.as_str())
            .filter(|l| !l.is_empty())
    }
}

/// The primary language subtag: `de-CH` → `de`.
pub fn primary(locale: &str) -> &str {
    for (i, b) in locale.bytes().enumerate() {
        if b == b'-' || b == b'_' {
            return locale.get(..i).unwrap_or(locale);
        }
    }
    locale
}

/// True for right-to-left languages (the widget mirrors its layout).
pub fn is_rtl(locale: &str) -> bool {
    crate::value::in_words("ar he fa ur ps yi dv ku sd ug", primary(locale))
}

/// The widget's own strings, by key. A playbook's `texts` may override any of them.
pub const WIDGET_KEYS: &str = "next, back, submit, start_over, progress, required, invalid_email, business_email, invalid_phone, invalid_number, too_small, too_large, too_long, pattern, invalid_choice, consent_required, loading, load_error, download, book, continue, close, optional";

/// The widget's own strings in `locale`'s language, if they are translated into it.
fn table(locale: &str) -> Option<&'static str> {
    // `eq_ignore_ascii_case`, not a lowercased copy: no `to_ascii_lowercase` in the wasm.
    let lang = primary(locale);
    for (code, strings) in [("en", EN), ("de", DE), ("fr", FR), ("es", ES)] {
        if lang.eq_ignore_ascii_case(code) {
            return Some(strings);
        }
    }
    None
}

/// True when the widget's own strings are translated into `locale`'s language.
pub fn translated(locale: &str) -> bool {
    table(locale).is_some()
}

/// The built-in value of a widget string in a language (English when the language has
/// no translation); "" for a key that is not in `WIDGET_KEYS`.
pub fn builtin(key: &str, locale: &str) -> &'static str {
    let mut keys = WIDGET_KEYS;
    let mut rest = table(locale).unwrap_or(EN);
    while !keys.is_empty() {
        let (k, more) = crate::value::split_at_byte(keys, b',');
        let (line, next) = crate::value::split_at_byte(rest, b'\n');
        if k == key {
            return line;
        }
        keys = more.and_then(|m| m.get(1..)).unwrap_or("");
        rest = next.unwrap_or("");
    }
    ""
}

// Each language's strings, one line per key of `WIDGET_KEYS`, in its order (one string
// per language rather than a table of (key, value) pairs, whose pointers compress badly).
const EN: &str = "\
    Next\n\
    Back\n\
    Submit\n\
    Not you? Start over\n\
    Question {n} of {total}\n\
    Please answer this question.\n\
    Please enter a valid email address.\n\
    Please use your work email address.\n\
    Please enter a valid phone number.\n\
    Please enter a number.\n\
    The number is too small.\n\
    The number is too large.\n\
    This answer is too long.\n\
    Please check the format of this answer.\n\
    Please choose one of the options.\n\
    Please tick the box to continue.\n\
    Loading…\n\
    This form could not be loaded.\n\
    Download\n\
    Book a call\n\
    Continue\n\
    Close\n\
    (optional)";

const DE: &str = "\
    Weiter\n\
    Zurück\n\
    Absenden\n\
    Nicht Sie? Neu beginnen\n\
    Frage {n} von {total}\n\
    Bitte beantworten Sie diese Frage.\n\
    Bitte geben Sie eine gültige E-Mail-Adresse ein.\n\
    Bitte verwenden Sie Ihre geschäftliche E-Mail-Adresse.\n\
    Bitte geben Sie eine gültige Telefonnummer ein.\n\
    Bitte geben Sie eine Zahl ein.\n\
    Die Zahl ist zu klein.\n\
    Die Zahl ist zu groß.\n\
    Diese Antwort ist zu lang.\n\
    Bitte prüfen Sie das Format dieser Antwort.\n\
    Bitte wählen Sie eine der Optionen.\n\
    Bitte setzen Sie das Häkchen, um fortzufahren.\n\
    Wird geladen…\n\
    Dieses Formular konnte nicht geladen werden.\n\
    Herunterladen\n\
    Termin buchen\n\
    Weiter\n\
    Schließen\n\
    (optional)";

const FR: &str = "\
    Suivant\n\
    Retour\n\
    Envoyer\n\
    Ce n’est pas vous ? Recommencer\n\
    Question {n} sur {total}\n\
    Veuillez répondre à cette question.\n\
    Veuillez saisir une adresse e-mail valide.\n\
    Veuillez utiliser votre adresse e-mail professionnelle.\n\
    Veuillez saisir un numéro de téléphone valide.\n\
    Veuillez saisir un nombre.\n\
    Le nombre est trop petit.\n\
    Le nombre est trop grand.\n\
    Cette réponse est trop longue.\n\
    Veuillez vérifier le format de cette réponse.\n\
    Veuillez choisir une des options.\n\
    Veuillez cocher la case pour continuer.\n\
    Chargement…\n\
    Ce formulaire n’a pas pu être chargé.\n\
    Télécharger\n\
    Prendre rendez-vous\n\
    Continuer\n\
    Fermer\n\
    (facultatif)";

const ES: &str = "\
    Siguiente\n\
    Atrás\n\
    Enviar\n\
    ¿No es usted? Empezar de nuevo\n\
    Pregunta {n} de {total}\n\
    Por favor, responda a esta pregunta.\n\
    Introduzca una dirección de correo válida.\n\
    Utilice su correo electrónico de trabajo.\n\
    Introduzca un número de teléfono válido.\n\
    Introduzca un número.\n\
    El número es demasiado pequeño.\n\
    El número es demasiado grande.\n\
    Esta respuesta es demasiado larga.\n\
    Revise el formato de esta respuesta.\n\
    Elija una de las opciones.\n\
    Marque la casilla para continuar.\n\
    Cargando…\n\
    No se pudo cargar este formulario.\n\
    Descargar\n\
    Reservar una llamada\n\
    Continuar\n\
    Cerrar\n\
    (opcional)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_exact_then_language_then_fallback() {
        let t = Text(vec![
            ("en".into(), "Hello".into()),
            ("de".into(), "Hallo".into()),
            ("pt-BR".into(), "Olá".into()),
        ]);
        assert_eq!(t.get("de-CH", "en"), "Hallo");
        assert_eq!(t.get("pt", "en"), "Olá");
        assert_eq!(t.get("fr", "de"), "Hallo");
        assert_eq!(t.get("fr", "it"), "Hello");
        assert_eq!(Text::plain("x").get("de", "en"), "x");
    }

    #[test]
    fn every_language_has_every_key() {
        for table in [EN, DE, FR, ES] {
            let lines: Vec<&str> = table.split('\n').collect();
            assert_eq!(lines.len(), WIDGET_KEYS.split(", ").count());
            assert!(lines.iter().all(|l| !l.is_empty() && l.trim() == *l));
        }
        assert_eq!(builtin("optional", "fr"), "(facultatif)");
        assert_eq!(builtin("nope", "fr"), "");
        assert_eq!(builtin("next", "de-AT"), "Weiter");
        assert_eq!(builtin("next", "ja"), "Next");
        assert!(is_rtl("ar-EG") && !is_rtl("en"));
    }
}

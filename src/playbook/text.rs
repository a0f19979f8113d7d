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
    matches!(
        primary(locale).to_ascii_lowercase().as_str(),
        "ar" | "he" | "fa" | "ur" | "ps" | "yi" | "dv" | "ku" | "sd" | "ug"
    )
}

/// The widget's own strings, by key. A playbook's `texts` may override any of them.
pub const WIDGET_KEYS: &[&str] = &[
    "next",
    "back",
    "submit",
    "start_over",
    "progress",
    "required",
    "invalid_email",
    "business_email",
    "invalid_phone",
    "invalid_number",
    "too_small",
    "too_large",
    "too_long",
    "pattern",
    "invalid_choice",
    "consent_required",
    "loading",
    "load_error",
    "download",
    "book",
    "continue",
    "close",
    "optional",
];

/// The widget's own strings in `locale`'s language, if they are translated into it.
fn table(locale: &str) -> Option<&'static [(&'static str, &'static str)]> {
    match primary(locale).to_ascii_lowercase().as_str() {
        "en" => Some(EN),
        "de" => Some(DE),
        "fr" => Some(FR),
        "es" => Some(ES),
        _ => None,
    }
}

/// True when the widget's own strings are translated into `locale`'s language.
pub fn translated(locale: &str) -> bool {
    table(locale).is_some()
}

/// The built-in value of a widget string in a language (English when the language has
/// no translation).
pub fn builtin(key: &str, locale: &str) -> &'static str {
    let table = table(locale).unwrap_or(EN);
    table
        .iter()
        .find(|(k, _)| *k == key)
        .or_else(|| EN.iter().find(|(k, _)| *k == key))
        .map(|(_, v)| *v)
        .unwrap_or("")
}

const EN: &[(&str, &str)] = &[
    ("next", "Next"),
    ("back", "Back"),
    ("submit", "Submit"),
    ("start_over", "Not you? Start over"),
    ("progress", "Question {n} of {total}"),
    ("required", "Please answer this question."),
    ("invalid_email", "Please enter a valid email address."),
    ("business_email", "Please use your work email address."),
    ("invalid_phone", "Please enter a valid phone number."),
    ("invalid_number", "Please enter a number."),
    ("too_small", "The number is too small."),
    ("too_large", "The number is too large."),
    ("too_long", "This answer is too long."),
    ("pattern", "Please check the format of this answer."),
    ("invalid_choice", "Please choose one of the options."),
    ("consent_required", "Please tick the box to continue."),
    ("loading", "Loading…"),
    ("load_error", "This form could not be loaded."),
    ("download", "Download"),
    ("book", "Book a call"),
    ("continue", "Continue"),
    ("close", "Close"),
    ("optional", "(optional)"),
];

const DE: &[(&str, &str)] = &[
    ("next", "Weiter"),
    ("back", "Zurück"),
    ("submit", "Absenden"),
    ("start_over", "Nicht Sie? Neu beginnen"),
    ("progress", "Frage {n} von {total}"),
    ("required", "Bitte beantworten Sie diese Frage."),
    (
        "invalid_email",
        "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
    ),
    (
        "business_email",
        "Bitte verwenden Sie Ihre geschäftliche E-Mail-Adresse.",
    ),
    (
        "invalid_phone",
        "Bitte geben Sie eine gültige Telefonnummer ein.",
    ),
    ("invalid_number", "Bitte geben Sie eine Zahl ein."),
    ("too_small", "Die Zahl ist zu klein."),
    ("too_large", "Die Zahl ist zu groß."),
    ("too_long", "Diese Antwort ist zu lang."),
    ("pattern", "Bitte prüfen Sie das Format dieser Antwort."),
    ("invalid_choice", "Bitte wählen Sie eine der Optionen."),
    (
        "consent_required",
        "Bitte setzen Sie das Häkchen, um fortzufahren.",
    ),
    ("loading", "Wird geladen…"),
    ("load_error", "Dieses Formular konnte nicht geladen werden."),
    ("download", "Herunterladen"),
    ("book", "Termin buchen"),
    ("continue", "Weiter"),
    ("close", "Schließen"),
    ("optional", "(optional)"),
];

const FR: &[(&str, &str)] = &[
    ("next", "Suivant"),
    ("back", "Retour"),
    ("submit", "Envoyer"),
    ("start_over", "Ce n’est pas vous ? Recommencer"),
    ("progress", "Question {n} sur {total}"),
    ("required", "Veuillez répondre à cette question."),
    (
        "invalid_email",
        "Veuillez saisir une adresse e-mail valide.",
    ),
    (
        "business_email",
        "Veuillez utiliser votre adresse e-mail professionnelle.",
    ),
    (
        "invalid_phone",
        "Veuillez saisir un numéro de téléphone valide.",
    ),
    ("invalid_number", "Veuillez saisir un nombre."),
    ("too_small", "Le nombre est trop petit."),
    ("too_large", "Le nombre est trop grand."),
    ("too_long", "Cette réponse est trop longue."),
    ("pattern", "Veuillez vérifier le format de cette réponse."),
    ("invalid_choice", "Veuillez choisir une des options."),
    (
        "consent_required",
        "Veuillez cocher la case pour continuer.",
    ),
    ("loading", "Chargement…"),
    ("load_error", "Ce formulaire n’a pas pu être chargé."),
    ("download", "Télécharger"),
    ("book", "Prendre rendez-vous"),
    ("continue", "Continuer"),
    ("close", "Fermer"),
    ("optional", "(facultatif)"),
];

const ES: &[(&str, &str)] = &[
    ("next", "Siguiente"),
    ("back", "Atrás"),
    ("submit", "Enviar"),
    ("start_over", "¿No es usted? Empezar de nuevo"),
    ("progress", "Pregunta {n} de {total}"),
    ("required", "Por favor, responda a esta pregunta."),
    (
        "invalid_email",
        "Introduzca una dirección de correo válida.",
    ),
    (
        "business_email",
        "Utilice su correo electrónico de trabajo.",
    ),
    ("invalid_phone", "Introduzca un número de teléfono válido."),
    ("invalid_number", "Introduzca un número."),
    ("too_small", "El número es demasiado pequeño."),
    ("too_large", "El número es demasiado grande."),
    ("too_long", "Esta respuesta es demasiado larga."),
    ("pattern", "Revise el formato de esta respuesta."),
    ("invalid_choice", "Elija una de las opciones."),
    ("consent_required", "Marque la casilla para continuar."),
    ("loading", "Cargando…"),
    ("load_error", "No se pudo cargar este formulario."),
    ("download", "Descargar"),
    ("book", "Reservar una llamada"),
    ("continue", "Continuar"),
    ("close", "Cerrar"),
    ("optional", "(opcional)"),
];

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
            for k in WIDGET_KEYS {
                assert!(table.iter().any(|(key, _)| key == k), "missing {k}");
            }
            assert_eq!(table.len(), WIDGET_KEYS.len());
        }
        assert_eq!(builtin("next", "de-AT"), "Weiter");
        assert_eq!(builtin("next", "ja"), "Next");
        assert!(is_rtl("ar-EG") && !is_rtl("en"));
    }
}

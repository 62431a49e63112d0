//! The closed vocabularies of the source format as types: document type, workflow status, SoA
//! implementation status, and the EU AI Act's operator roles and classification. Parsing and the
//! written form live here; labels for people live with the pages.

use serde::Serialize;

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The word written in the source.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary!(
    /// What a document is.
    DocType {
        Policy = "policy",
        Procedure = "procedure",
        Standard = "standard",
        Plan = "plan",
        System = "system",
        Risk = "risk",
        ImpactAssessment = "impact-assessment",
        Objective = "objective",
        Audit = "audit",
        ManagementReview = "management-review",
        Record = "record",
        Evidence = "evidence",
        Nonconformity = "nonconformity",
        Soa = "soa",
    }
);

impl DocType {
    /// Records say what happened; they carry no approval workflow of their own, so one without a
    /// `status` still counts as evidence.
    pub fn is_record(self) -> bool {
        matches!(
            self,
            DocType::Audit | DocType::ManagementReview | DocType::Record | DocType::Evidence
        )
    }

    /// Whether citing a control in `controls:` claims it as implemented or evidenced. Risks and
    /// systems name controls as treatment; a nonconformity names the control that failed; the SoA
    /// is the statement itself.
    pub fn evidences_controls(self) -> bool {
        !matches!(
            self,
            DocType::Risk | DocType::System | DocType::Nonconformity | DocType::Soa
        )
    }
}

vocabulary!(
    /// Where a document stands in its approval workflow.
    Status {
        Draft = "draft",
        Review = "review",
        Approved = "approved",
        Retired = "retired",
    }
);

vocabulary!(
    /// A control's implementation as the Statement of Applicability declares it.
    SoaStatus {
        Implemented = "implemented",
        Partial = "partial",
        Planned = "planned",
        NotImplemented = "not-implemented",
    }
);

vocabulary!(
    /// The organisation's role for a system, in the EU AI Act's terms (Art 3(3)-(7), Art 25(3)).
    Role {
        Provider = "provider",
        Deployer = "deployer",
        Importer = "importer",
        Distributor = "distributor",
        AuthorisedRepresentative = "authorised-representative",
        ProductManufacturer = "product-manufacturer",
    }
);

impl Role {
    /// Older words and the role they mean now.
    pub const LEGACY: &'static [(&'static str, Role)] = &[("developer", Role::Provider), ("user", Role::Deployer)];
}

vocabulary!(
    /// How the EU AI Act classifies a system.
    EuCategory {
        Prohibited = "prohibited",
        High = "high",
        Minimal = "minimal",
    }
);

vocabulary!(
    /// Why a high-risk system is high-risk: Art 6(1) with Annex I, or Art 6(2) with Annex III.
    HighRiskBasis {
        AnnexI = "annex-i",
        AnnexIii = "annex-iii",
    }
);

vocabulary!(
    /// The Art 50 transparency cases; 50(1)-(2) bind the provider, 50(3)-(4) the deployer.
    Art50Case {
        Interaction = "interaction",
        SyntheticContent = "synthetic-content",
        EmotionRecognition = "emotion-recognition",
        BiometricCategorisation = "biometric-categorisation",
        DeepFake = "deep-fake",
        PublicText = "public-text",
    }
);

impl Art50Case {
    pub fn binds_provider(self) -> bool {
        matches!(self, Art50Case::Interaction | Art50Case::SyntheticContent)
    }

    pub fn paragraph(self) -> &'static str {
        match self {
            Art50Case::Interaction => "50(1)",
            Art50Case::SyntheticContent => "50(2)",
            Art50Case::EmotionRecognition | Art50Case::BiometricCategorisation => "50(3)",
            Art50Case::DeepFake | Art50Case::PublicText => "50(4)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for t in DocType::ALL {
            assert_eq!(DocType::parse(t.as_str()), Some(*t));
        }
        assert_eq!(DocType::NAMES.len(), 14);
        assert_eq!(Status::parse("retired"), Some(Status::Retired));
        assert_eq!(
            Role::parse("user"),
            None,
            "legacy words are read separately, with a warning"
        );
        assert!(DocType::Evidence.is_record() && !DocType::Policy.is_record());
        assert!(!DocType::Nonconformity.evidences_controls());
    }
}

//! Kerberos for roller's krb5 modules: MIT keytab files (parsed and written natively),
//! `kadmin`'s `getprinc -terse` answers, and running kadmin safely. docs/kerberos.md.

pub mod kadmin;
pub mod keytab;
pub mod principal;

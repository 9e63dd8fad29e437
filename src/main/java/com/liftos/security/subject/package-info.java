/**
 * The data subject and each feature's share of their personal data (GDPR export and erasure).
 *
 * <p>Ground level, like {@code identity}, so every feature that stores personal data ({@code auth}, {@code mfa},
 * {@code vault}, {@code audit}, {@code incident}, {@code privacy}'s consents) implements {@link
 * com.liftos.security.subject.PersonalData} over its own tables without depending on the {@code privacy} feature that
 * orchestrates them (which sits above them all). It is not {@code identity}: that package holds the values of a
 * verified caller and no storage; this one is about stored data and hands a JDBC connection through, so one erasure
 * is one transaction across features. It depends on nothing of the service but JDBC and Jackson.
 */
package com.liftos.security.subject;

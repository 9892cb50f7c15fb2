/**
 * TLS and DTLS material of the device-facing listeners: trust anchors that must not load empty, certificate
 * revocation lists, and key and trust managers whose material is swapped at run time ({@link
 * io.edgeauth.broker.tls.TlsMaterial#reload()}) without touching connections already established.
 */
package io.edgeauth.broker.tls;

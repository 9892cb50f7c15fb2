/**
 * Choice of the JCA provider for token signatures (ACCP or the JDK) and the one place where token
 * signatures and MACs are computed and checked.
 */
package io.edgeauth.broker.crypto;

/** The RDP relay: Netty front end, X.224 preamble decoder, port mappings, admission. */
package io.jumpgate.rdp;

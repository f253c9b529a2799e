// The anyone-can-spend output the process tests mine to: P2SH of the script OP_TRUE.
// Spending it needs only scriptSig <OP_TRUE> (the redeem script), and the spend is
// standard, so nodes relay it and accept it into their mempools.
#pragma once

#include <string>

#include "consensus/script.h"

namespace minicash::test {

Script op_true_redeem();        // OP_TRUE
Script op_true_p2sh();          // OP_HASH160 <hash160(OP_TRUE)> OP_EQUAL
std::string op_true_address();  // op_true_p2sh() as a regtest address (2N...)

}  // namespace minicash::test

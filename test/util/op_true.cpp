#include "test/util/op_true.h"

#include "common/address.h"
#include "consensus/params.h"
#include "util/hash.h"

namespace minicash::test {

Script op_true_redeem() {
    Script s;
    s.push_op(OP_TRUE);
    return s;
}

Script op_true_p2sh() {
    Script s;
    s.push_op(OP_HASH160).push_data(hash160(op_true_redeem().view())).push_op(OP_EQUAL);
    return s;
}

std::string op_true_address() {
    static const ChainParams regtest = make_chain_params(Network::REGTEST);
    return encode_address(op_true_p2sh(), regtest).value();
}

}  // namespace minicash::test

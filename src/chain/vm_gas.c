/* The parameter table of the sandbox chain (nearcore's latest runtime config) and action fees. */
#include <string.h>

#include "chain_vm.h"

static const ol_chain_params vm_params = {
#define VM_FEE_INIT(f, a, b, c) .f = {a, b, c},
    OL_CHAIN_ACTION_FEE_MAP(VM_FEE_INIT)
#undef VM_FEE_INIT
        .ext =
        {
#define VM_EXT_INIT(name, v) [OL_CHAIN_EXT_##name] = v,
            OL_CHAIN_EXT_MAP(VM_EXT_INIT)
#undef VM_EXT_INIT
        },
    .wasm_regular_op_cost = 822756,
    .max_gas_burnt = 1000000000000000,
    .max_gas_burnt_view = 1000000000000000,
    .max_total_prepaid_gas = 1000000000000000,
    .storage_amount_per_byte = {10000000000000000000u, 0},
    .storage_num_bytes_account = 100,
    .storage_num_extra_bytes_record = 40,
    .min_gas_price = 100000000,
    .max_stack_height = 262144,
    .initial_memory_pages = 1024,
    .max_memory_pages = 2048,
    .registers_memory_limit = 1073741824,
    .max_register_size = 104857600,
    .max_number_registers = 100,
    .max_number_logs = 100,
    .max_total_log_length = 16384,
    .max_actions_per_receipt = 100,
    .max_number_bytes_method_names = 2000,
    .max_length_method_name = 256,
    .max_arguments_length = 4194304,
    .max_length_returned_data = 4194304,
    .max_contract_size = 4194304,
    .max_transaction_size = 1572864,
    .max_receipt_size = 4194304,
    .max_length_storage_key = 2048,
    .max_length_storage_value = 4194304,
    .max_promises_per_function_call_action = 1024,
    .max_number_input_data_dependencies = 128,
    .max_functions_number_per_contract = 10000,
    .max_locals_per_contract = 1000000,
    .max_tables_per_contract = 1,
    .max_elements_per_contract_table = 10000,
    .max_function_body_size = 196608,
    .yield_timeout_length_in_blocks = 200,
    .max_yield_payload_size = 1024,
};

const ol_chain_params *ol_chain_params_default(void)
{
    return &vm_params;
}

uint64_t ol_chain_fee_send(const ol_chain_fee *fee, bool sender_is_receiver)
{
    return sender_is_receiver ? fee->send_sir : fee->send_not_sir;
}

/* *acc_s += base.send + per.send * n; *acc_e likewise; false on overflow. */
static bool vm_fee_add(const ol_chain_fee *base, const ol_chain_fee *per, uint64_t n, bool sir,
                       uint64_t *acc_s, uint64_t *acc_e)
{
    uint64_t s = ol_chain_fee_send(base, sir), e = base->execution;
    if (per != NULL) {
        uint64_t ps, pe;
        if (__builtin_mul_overflow(ol_chain_fee_send(per, sir), n, &ps) ||
            __builtin_mul_overflow(per->execution, n, &pe) || __builtin_add_overflow(s, ps, &s) ||
            __builtin_add_overflow(e, pe, &e))
            return false;
    }
    return !__builtin_add_overflow(*acc_s, s, acc_s) && !__builtin_add_overflow(*acc_e, e, acc_e);
}

ol_err ol_chain_action_fees(const ol_chain_params *p, const ol_near_action *act,
                            const char *receiver_id, size_t receiver_len, bool sender_is_receiver,
                            uint64_t *send, uint64_t *exec, ol_diag *d)
{
    uint64_t s = 0, e = 0;
    bool ok = true, sir = sender_is_receiver;

    switch (act->kind) {
    case OL_NEAR_ACTION_CREATE_ACCOUNT:
        ok = vm_fee_add(&p->action_create_account, NULL, 0, sir, &s, &e);
        break;
    case OL_NEAR_ACTION_DEPLOY_CONTRACT:
        ok = vm_fee_add(&p->action_deploy_contract, &p->action_deploy_contract_per_byte,
                        (uint64_t)act->deploy_contract.code.len, sir, &s, &e);
        break;
    case OL_NEAR_ACTION_FUNCTION_CALL:
        ok = vm_fee_add(&p->action_function_call, &p->action_function_call_per_byte,
                        (uint64_t)act->function_call.method_name.len +
                            (uint64_t)act->function_call.args.len,
                        sir, &s, &e);
        break;
    case OL_NEAR_ACTION_TRANSFER: {
        ok = vm_fee_add(&p->action_transfer, NULL, 0, sir, &s, &e);
        if (ok && receiver_id != NULL && ol_near_account_id_is_valid(receiver_id, receiver_len)) {
            ol_near_account_kind k = ol_near_account_id_kind(receiver_id, receiver_len);
            if (k != OL_NEAR_ACCOUNT_NAMED)
                ok = vm_fee_add(&p->action_create_account, NULL, 0, sir, &s, &e);
            if (ok && k == OL_NEAR_ACCOUNT_NEAR_IMPLICIT)
                ok = vm_fee_add(&p->action_add_full_access_key, NULL, 0, sir, &s, &e);
        }
        break;
    }
    case OL_NEAR_ACTION_STAKE:
        ok = vm_fee_add(&p->action_stake, NULL, 0, sir, &s, &e);
        break;
    case OL_NEAR_ACTION_ADD_KEY:
        if (act->add_key.access_key.full_access) {
            ok = vm_fee_add(&p->action_add_full_access_key, NULL, 0, sir, &s, &e);
        } else {
            uint64_t n = 0;
            for (size_t i = 0; i < act->add_key.access_key.n_method_names; i++)
                n += (uint64_t)act->add_key.access_key.method_names[i].len + 1;
            ok = vm_fee_add(&p->action_add_function_call_key,
                            &p->action_add_function_call_key_per_byte, n, sir, &s, &e);
        }
        break;
    case OL_NEAR_ACTION_DELETE_KEY:
        ok = vm_fee_add(&p->action_delete_key, NULL, 0, sir, &s, &e);
        break;
    case OL_NEAR_ACTION_DELETE_ACCOUNT:
        ok = vm_fee_add(&p->action_delete_account, NULL, 0, sir, &s, &e);
        break;
    case OL_NEAR_ACTION_DELEGATE:
        ok = vm_fee_add(&p->action_delegate, NULL, 0, sir, &s, &e);
        break;
    default:
        return OL_FAIL(d, OL_E_INVAL, "unknown action kind %d", (int)act->kind);
    }
    if (!ok)
        return OL_FAIL(d, OL_E_RANGE, "action fee overflows u64");
    *send = s;
    *exec = e;
    return OL_OK;
}

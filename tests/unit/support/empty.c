/* Keeps the support library non-empty when no helpers are present. */
int ol_test_support_present(void);
int ol_test_support_present(void)
{
    return 1;
}
